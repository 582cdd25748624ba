/**
 * Webhook deliveries through the billing router, end to end: signed events grant the plan's
 * credits once (again within one process, and across two app instances sharing a real Redis),
 * hooks run for the other events, unknown types are acknowledged and ignored, and every bad
 * delivery (unsigned, mis-signed, stale, malformed) is a problem that grants nothing.
 */
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type BillingAdapter,
  type BillingEvent,
  createBilling,
  createBillingRouter,
  createLemonSqueezyAdapter,
  createPaddleAdapter,
  createPolarAdapter,
  createStripeAdapter,
} from "../../src/billing";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../../src/kv";
import { REDIS_URL, redisSkipReason } from "../helpers/test-redis";

const stripe = new Stripe("sk_test_local");
const SECRET = "whsec_test_secret";
const plans = [
  { key: "pro_monthly", priceId: "price_pro", type: "subscription" as const, credits: 10_000 },
  { key: "pack_500", priceId: "price_pack", type: "one-time" as const, credits: 500 },
];

function appFor(adapter: BillingAdapter, kv: KV, events: BillingEvent[] = [], secret = SECRET) {
  const billing = createBilling({
    adapter,
    webhookSecret: secret,
    plans,
    kv,
    keyPrefix: `t${Math.random().toString(36).slice(2)}:`,
    on: {
      "subscription.updated": (event) => void events.push(event),
      "payment.failed": (event) => void events.push(event),
    },
  });
  const app = new Hono();
  app.route("/api/billing", createBillingRouter(billing, { getAccount: (c) => c.req.header("x-account") }));
  return { app, billing };
}

const invoicePaid = (id: string, account = "user_1", plan = "pro_monthly") =>
  JSON.stringify({
    id,
    type: "invoice.paid",
    data: {
      object: {
        object: "invoice",
        id: "in_1",
        customer: "cus_1",
        amount_paid: 900,
        currency: "usd",
        parent: {
          subscription_details: { subscription: "sub_1", metadata: { covara_account: account, covara_plan: plan } },
        },
      },
    },
  });

async function postStripe(
  app: Hono,
  payload: string,
  header = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
): Promise<Response> {
  return app.request("/api/billing/webhook", {
    method: "POST",
    headers: { "stripe-signature": header, "content-type": "application/json" },
    body: payload,
  });
}

describe("webhooks through the router (memory KV, Stripe)", () => {
  let kv: KV;
  beforeEach(() => {
    kv = createMemoryKV({ sweepIntervalMs: 0 });
  });

  it("grants the plan's credits on payment.succeeded and links the account", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const res = await postStripe(app, invoicePaid("evt_1"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, status: "processed", type: "payment.succeeded" });
    expect(await billing.credits.balance("user_1")).toBe(10_000);
    expect(await billing.account("user_1")).toEqual({
      customerId: "cus_1",
      subscriptionId: "sub_1",
      plan: "pro_monthly",
    });
    expect((await billing.credits.history("user_1"))[0]).toMatchObject({
      kind: "grant",
      amount: 10_000,
      reference: "stripe:evt_1",
    });
  });

  it("the same event twice grants once; the second delivery is acknowledged as a duplicate", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const payload = invoicePaid("evt_dup");
    expect((await postStripe(app, payload)).status).toBe(200);
    const again = await postStripe(app, payload);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate" });
    expect(await billing.credits.balance("user_1")).toBe(10_000);
  });

  it("the same event delivered 50 times at once grants once", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const payload = invoicePaid("evt_burst");
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => postStripe(app, payload).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(await billing.credits.balance("user_1")).toBe(10_000);
  });

  it("a paid one-time checkout grants the pack; its subscription's checkout grants nothing (the invoice does)", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const oneTime = JSON.stringify({
      id: "evt_cs1",
      type: "checkout.session.completed",
      data: {
        object: {
          object: "checkout.session",
          mode: "payment",
          payment_status: "paid",
          client_reference_id: "user_2",
          customer: "cus_2",
          amount_total: 500,
          currency: "usd",
          metadata: { covara_account: "user_2", covara_plan: "pack_500" },
        },
      },
    });
    const subscription = JSON.stringify({
      id: "evt_cs2",
      type: "checkout.session.completed",
      data: {
        object: {
          object: "checkout.session",
          mode: "subscription",
          payment_status: "paid",
          subscription: "sub_3",
          customer: "cus_3",
          metadata: { covara_account: "user_3", covara_plan: "pro_monthly" },
        },
      },
    });
    expect((await postStripe(app, oneTime)).status).toBe(200);
    expect((await postStripe(app, subscription)).status).toBe(200);
    expect(await billing.credits.balance("user_2")).toBe(500);
    expect(await billing.credits.balance("user_3")).toBe(0);
    expect((await billing.account("user_3"))?.subscriptionId).toBe("sub_3");
  });

  it("runs the app's hooks for other events", async () => {
    const events: BillingEvent[] = [];
    const { app } = appFor(createStripeAdapter({ apiKey: "sk" }), kv, events);
    const updated = JSON.stringify({
      id: "evt_su",
      type: "customer.subscription.updated",
      data: {
        object: {
          object: "subscription",
          id: "sub_1",
          customer: "cus_1",
          status: "active",
          metadata: { covara_account: "user_1", covara_plan: "pro_monthly" },
        },
      },
    });
    expect((await postStripe(app, updated)).status).toBe(200);
    expect(events.map((e) => [e.type, e.account, e.subscriptionId])).toEqual([
      ["subscription.updated", "user_1", "sub_1"],
    ]);
  });

  it("acknowledges and ignores an unknown event type", async () => {
    const events: BillingEvent[] = [];
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv, events);
    const res = await postStripe(
      app,
      JSON.stringify({
        id: "evt_x",
        type: "radar.early_fraud_warning.created",
        data: { object: { metadata: { covara_account: "user_1", covara_plan: "pro_monthly" } } },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ignored", type: "unknown" });
    expect(events).toEqual([]);
    expect(await billing.credits.balance("user_1")).toBe(0);
  });

  it("answers malformed JSON with a 400 problem, even when correctly signed", async () => {
    const { app } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    for (const payload of ["{not json", "[1,2]", '"text"']) {
      const res = await postStripe(app, payload);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ code: "WEBHOOK_MALFORMED" });
    }
  });

  it("refuses a body over the size limit before checking anything", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const huge = JSON.stringify({ id: "evt_big", type: "invoice.paid", pad: "x".repeat(1024 * 1024) });
    const res = await postStripe(app, huge);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(await billing.credits.balance("user_1")).toBe(0);
  });

  it("refuses unsigned, mis-signed and stale deliveries with problems and grants nothing", async () => {
    const { app, billing } = appFor(createStripeAdapter({ apiKey: "sk" }), kv);
    const payload = invoicePaid("evt_bad");
    const unsigned = await app.request("/api/billing/webhook", { method: "POST", body: payload });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ code: "WEBHOOK_SIGNATURE_MISSING" });
    const misSigned = await postStripe(
      app,
      payload,
      stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_wrong" }),
    );
    expect(misSigned.status).toBe(401);
    expect(await misSigned.json()).toMatchObject({ code: "WEBHOOK_SIGNATURE_INVALID" });
    // A genuine delivery captured and replayed after the tolerance.
    const stale = await postStripe(
      app,
      payload,
      stripe.webhooks.generateTestHeaderString({
        payload,
        secret: SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      }),
    );
    expect(stale.status).toBe(400);
    expect(await stale.json()).toMatchObject({ code: "WEBHOOK_TIMESTAMP_OUT_OF_RANGE" });
    expect(await billing.credits.balance("user_1")).toBe(0);
    // None of them used up the event id: the genuine delivery still grants.
    expect((await postStripe(app, payload)).status).toBe(200);
    expect(await billing.credits.balance("user_1")).toBe(10_000);
  });

  it("a failing hook answers 500, releases the event for the retry, and the retry does not grant twice", async () => {
    let failures = 1;
    const billing = createBilling({
      adapter: createStripeAdapter({ apiKey: "sk" }),
      webhookSecret: SECRET,
      plans,
      kv,
      on: {
        "payment.succeeded": () => {
          if (failures-- > 0) throw new Error("downstream unavailable");
        },
      },
    });
    const app = new Hono();
    app.route("/api/billing", createBillingRouter(billing, { getAccount: () => null }));
    const payload = invoicePaid("evt_retry");
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const first = await postStripe(app, payload);
    quiet.mockRestore();
    expect(first.status).toBe(500);
    expect(first.headers.get("content-type")).toBe("application/problem+json");
    const retry = await postStripe(app, payload);
    expect(await retry.json()).toMatchObject({ status: "processed" });
    expect(await billing.credits.balance("user_1")).toBe(10_000);
  });
});

describe("each provider's payment event grants once", () => {
  const ts = () => Math.floor(Date.now() / 1000);
  const cases: {
    name: string;
    adapter: BillingAdapter;
    secret: string;
    payload: string;
    sign: (payload: string) => Record<string, string>;
  }[] = [
    {
      name: "paddle transaction.completed",
      adapter: createPaddleAdapter({ apiKey: "pdl" }),
      secret: "pdl_secret",
      payload: JSON.stringify({
        event_id: "evt_01p",
        event_type: "transaction.completed",
        occurred_at: new Date().toISOString(),
        data: {
          id: "txn_1",
          customer_id: "ctm_1",
          subscription_id: "sub_01p",
          currency_code: "USD",
          custom_data: { covara_account: "user_1", covara_plan: "pro_monthly" },
          details: { totals: { grand_total: "900" } },
        },
      }),
      sign: (payload) => {
        const t = ts();
        return {
          "paddle-signature": `ts=${t};h1=${createHmac("sha256", "pdl_secret").update(`${t}:${payload}`).digest("hex")}`,
        };
      },
    },
    {
      name: "lemon squeezy subscription_payment_success",
      adapter: createLemonSqueezyAdapter({ apiKey: "ls", storeId: "1" }),
      secret: "ls_secret",
      payload: JSON.stringify({
        meta: {
          event_name: "subscription_payment_success",
          custom_data: { covara_account: "user_1", covara_plan: "pro_monthly" },
        },
        data: {
          type: "subscription-invoices",
          id: "42",
          attributes: { subscription_id: 7, customer_id: 9, total: 900, currency: "USD" },
        },
      }),
      sign: (payload) => ({ "x-signature": createHmac("sha256", "ls_secret").update(payload).digest("hex") }),
    },
    {
      name: "polar order.paid",
      adapter: createPolarAdapter({ accessToken: "polar" }),
      secret: "polar_whs_secret",
      payload: JSON.stringify({
        type: "order.paid",
        timestamp: new Date().toISOString(),
        data: {
          id: "ord_1",
          billing_reason: "subscription_cycle",
          customer_id: "cus_p",
          subscription_id: "sub_p",
          total_amount: 900,
          currency: "usd",
          metadata: { covara_account: "user_1", covara_plan: "pro_monthly" },
        },
      }),
      sign: (payload) => {
        const at = new Date();
        return {
          "webhook-id": "msg_p1",
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": new Webhook(Buffer.from("polar_whs_secret").toString("base64")).sign(
            "msg_p1",
            at,
            payload,
          ),
        };
      },
    },
  ];

  it.each(cases)("$name", async ({ adapter, secret, payload, sign }) => {
    const { app, billing } = appFor(adapter, createMemoryKV({ sweepIntervalMs: 0 }), [], secret);
    const send = () => app.request("/api/billing/webhook", { method: "POST", headers: sign(payload), body: payload });
    const first = await send();
    expect(await first.json()).toMatchObject({ status: "processed", type: "payment.succeeded" });
    expect((await send()).status).toBe(200);
    expect(await billing.credits.balance("user_1")).toBe(10_000);
    const link = await billing.account("user_1");
    expect(link?.subscriptionId).not.toBeNull();
    expect(link?.customerId).not.toBeNull();
  });

  it("lemon squeezy: the order of a subscription's first payment grants nothing (its invoice does)", async () => {
    const adapter = createLemonSqueezyAdapter({ apiKey: "ls", storeId: "1" });
    const { app, billing } = appFor(adapter, createMemoryKV({ sweepIntervalMs: 0 }), [], "ls_secret");
    const order = JSON.stringify({
      meta: { event_name: "order_created", custom_data: { covara_account: "user_1", covara_plan: "pro_monthly" } },
      data: { type: "orders", id: "5", attributes: { status: "paid", customer_id: 9, total: 900, currency: "USD" } },
    });
    const res = await app.request("/api/billing/webhook", {
      method: "POST",
      headers: { "x-signature": createHmac("sha256", "ls_secret").update(order).digest("hex") },
      body: order,
    });
    expect(res.status).toBe(200);
    expect(await billing.credits.balance("user_1")).toBe(0);
  });
});

const redisReason = await redisSkipReason();
describe.skipIf(redisReason !== null)("webhook dedupe across two processes sharing Redis", () => {
  const prefix = `covara-test-billing-webhooks:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
  const clients: KV[] = [];
  afterAll(async () => {
    const [first] = clients;
    if (first) for (const key of await first.keys("")) await first.delete(key);
    await Promise.all(clients.map((kv) => kv.close()));
  });

  it("two app instances, each with its own Redis client, grant the same event once", async () => {
    // Two connections under one prefix: what two processes of one app see.
    clients.push(
      await createRedisKV({ url: REDIS_URL, keyPrefix: prefix }),
      await createRedisKV({ url: REDIS_URL, keyPrefix: prefix }),
    );
    const make = (kv: KV) => {
      const billing = createBilling({
        adapter: createStripeAdapter({ apiKey: "sk" }),
        webhookSecret: SECRET,
        plans,
        kv,
      });
      const app = new Hono();
      app.route("/api/billing", createBillingRouter(billing, { getAccount: () => null }));
      return { app, billing };
    };
    const [kvOne, kvTwo] = clients as [KV, KV];
    const one = make(kvOne);
    const two = make(kvTwo);
    const payload = invoicePaid("evt_two_processes");
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postStripe(i % 2 === 0 ? one.app : two.app, payload).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(await one.billing.credits.balance("user_1")).toBe(10_000);
    expect(await two.billing.credits.balance("user_1")).toBe(10_000);
    expect(await one.billing.credits.history("user_1")).toHaveLength(1);
    // Later deliveries to either instance are duplicates.
    expect(await (await postStripe(two.app, payload)).json()).toMatchObject({ status: "duplicate" });
    expect(await (await postStripe(one.app, payload)).json()).toMatchObject({ status: "duplicate" });
  });
});
