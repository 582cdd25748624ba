/**
 * Each provider's webhook signature scheme against the provider's own code where it has some:
 * Stripe's `generateTestHeaderString`, Standard Webhooks' `Webhook.sign` (Polar), Polar's
 * `validateEvent` and Paddle's `isSignatureValid` as verifiers of what we accept. Lemon Squeezy's
 * SDK has no webhook helper: its documented scheme (hex HMAC-SHA256 of the raw body) is computed
 * with node:crypto. A valid signature passes; a tampered body, another secret, a stale timestamp
 * or a missing header is refused with the problem that says so.
 */
import { createHmac } from "node:crypto";
import { Paddle } from "@paddle/paddle-node-sdk";
import { validateEvent, WebhookVerificationError } from "@polar-sh/sdk/webhooks";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  createLemonSqueezyAdapter,
  createPaddleAdapter,
  createPolarAdapter,
  createStripeAdapter,
} from "../../src/billing";
import type { BillingAdapter } from "../../src/billing";
import { hmacSha256, webCryptoHmacSha256 } from "../../src/billing/signatures";

const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { object: { id: "in_1", amount_paid: 900 } } });
const tampered = body.replace("900", "901");

function verify(adapter: BillingAdapter, rawBody: string, headers: Record<string, string>, secret: string, at = now()) {
  return adapter.verifyWebhook({ rawBody, headers: new Headers(headers), secret, now: at, toleranceSeconds: 300 });
}

describe("Stripe: t=,v1= HMAC-SHA256 with a timestamp tolerance", () => {
  const stripe = new Stripe("sk_test_local");
  const adapter = createStripeAdapter({ apiKey: "sk_test_local" });
  const secret = "whsec_test_secret";

  it("accepts the header Stripe's generateTestHeaderString makes and refuses a tampered body", async () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
    await expect(verify(adapter, body, { "stripe-signature": header }, secret)).resolves.toEqual({ deliveryId: null });
    await expect(verify(adapter, tampered, { "stripe-signature": header }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
      status: 401,
    });
  });

  it("refuses another secret, a header without v1, and no header", async () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: "whsec_other" });
    await expect(verify(adapter, body, { "stripe-signature": header }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
    await expect(verify(adapter, body, { "stripe-signature": `t=${now()}` }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
    await expect(verify(adapter, body, {}, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_MISSING",
      status: 401,
    });
  });

  it("accepts when any of several v1 signatures matches (secret rotation)", async () => {
    const good = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: 1_700_000_000 });
    const v1 = good.split(",v1=")[1];
    const header = `t=1700000000,v1=${"0".repeat(64)},v1=${v1}`;
    await expect(verify(adapter, body, { "stripe-signature": header }, secret, 1_700_000_010)).resolves.toBeDefined();
  });

  it("refuses a genuine signature older or newer than the tolerance", async () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now() - 301 });
    await expect(verify(adapter, body, { "stripe-signature": header }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE",
      status: 400,
    });
    const future = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now() + 301 });
    await expect(verify(adapter, body, { "stripe-signature": future }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE",
    });
    // Stripe's own verifier agrees about the fresh one.
    const fresh = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
    expect(stripe.webhooks.constructEvent(body, fresh, secret).id).toBe("evt_1");
  });
});

describe("Polar: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature v1)", () => {
  const adapter = createPolarAdapter({ accessToken: "polar_local" });

  it("accepts what standardwebhooks' Webhook.sign makes with a whsec_ base64 secret, refuses a tampered one", async () => {
    const secret = `whsec_${Buffer.from("a 32-byte key for webhook tests!").toString("base64")}`;
    const signer = new Webhook(secret);
    const timestamp = new Date();
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signer.sign("msg_1", timestamp, body),
    };
    await expect(verify(adapter, body, headers, secret)).resolves.toEqual({ deliveryId: "msg_1" });
    await expect(verify(adapter, tampered, headers, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
    // The id is signed too: the same signature under another id is refused.
    await expect(verify(adapter, body, { ...headers, "webhook-id": "msg_2" }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
  });

  it("reads a Polar dashboard secret as Polar's validateEvent does, both ways", async () => {
    const secret = "polar_whs_dashboard_secret";
    const signer = new Webhook(Buffer.from(secret, "utf8").toString("base64"));
    const timestamp = new Date();
    const payload = JSON.stringify({ type: "order.paid", timestamp: timestamp.toISOString(), data: {} });
    const headers = {
      "webhook-id": "msg_9",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signer.sign("msg_9", timestamp, payload),
    };
    await expect(verify(adapter, payload, headers, secret)).resolves.toEqual({ deliveryId: "msg_9" });
    // Polar's own verifier accepts the same delivery and refuses the tampered body we refuse.
    expect(() => validateEvent(payload, headers, secret)).not.toThrow(WebhookVerificationError);
    expect(() => validateEvent(payload.replace("order.paid", "order.pai"), headers, secret)).toThrow(
      WebhookVerificationError,
    );
    await expect(verify(adapter, payload.replace("order.paid", "order.pai"), headers, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
  });

  it("refuses a stale timestamp and missing headers", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const old = new Date(Date.now() - 10 * 60 * 1000);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(old.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign("msg_1", old, body),
    };
    await expect(verify(adapter, body, headers, secret)).rejects.toMatchObject({
      code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE",
    });
    await expect(verify(adapter, body, { "webhook-id": "x", "webhook-timestamp": "1" }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_MISSING",
    });
  });
});

describe("Paddle: Paddle-Signature ts=;h1= over ts:body", () => {
  const adapter = createPaddleAdapter({ apiKey: "pdl_local" });
  const paddle = new Paddle("pdl_local");
  const secret = "pdl_ntfset_secret";
  const sign = (ts: number, raw: string, key = secret) =>
    `ts=${ts};h1=${createHmac("sha256", key).update(`${ts}:${raw}`).digest("hex")}`;

  it("accepts a signature Paddle's own isSignatureValid accepts, and refuses the tampered body it refuses", async () => {
    const header = sign(now(), body);
    expect(await paddle.webhooks.isSignatureValid(body, secret, header)).toBe(true);
    await expect(verify(adapter, body, { "paddle-signature": header }, secret)).resolves.toEqual({ deliveryId: null });
    expect(await paddle.webhooks.isSignatureValid(tampered, secret, header)).toBe(false);
    await expect(verify(adapter, tampered, { "paddle-signature": header }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
  });

  it("refuses another secret, a stale timestamp and a header without h1", async () => {
    await expect(
      verify(adapter, body, { "paddle-signature": sign(now(), body, "other") }, secret),
    ).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    await expect(verify(adapter, body, { "paddle-signature": sign(now() - 400, body) }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE",
    });
    await expect(verify(adapter, body, { "paddle-signature": `ts=${now()}` }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
  });
});

describe("Lemon Squeezy: X-Signature hex HMAC-SHA256 of the raw body (documented scheme; the SDK has no helper)", () => {
  const adapter = createLemonSqueezyAdapter({ apiKey: "ls_local", storeId: "1" });
  const secret = "ls_signing_secret";
  const sign = (raw: string, key = secret) => createHmac("sha256", key).update(raw).digest("hex");

  it("accepts the documented signature, dedupes by the body's digest, refuses a tampered body", async () => {
    const { deliveryId } = await verify(adapter, body, { "x-signature": sign(body) }, secret);
    expect(deliveryId).toMatch(/^[0-9a-f]{64}$/);
    await expect(verify(adapter, tampered, { "x-signature": sign(body) }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
    await expect(verify(adapter, body, { "x-signature": sign(body, "other") }, secret)).rejects.toMatchObject({
      code: "WEBHOOK_SIGNATURE_INVALID",
    });
    await expect(verify(adapter, body, {}, secret)).rejects.toMatchObject({ code: "WEBHOOK_SIGNATURE_MISSING" });
  });
});

describe("the HMAC behind every scheme", () => {
  it("Web Crypto (the Workers path) and node:crypto (the Node path) agree, for text and byte keys", async () => {
    for (const [key, message] of [
      ["whsec_a", "1700000000.{}"],
      [new Uint8Array([0, 1, 2, 250]), "é ✓ 𝄞"],
    ] as const) {
      const expected = createHmac("sha256", key).update(message).digest("hex");
      expect(Buffer.from(await webCryptoHmacSha256(key, message)).toString("hex")).toBe(expected);
      expect(Buffer.from(await hmacSha256(key, message)).toString("hex")).toBe(expected);
    }
  });
});
