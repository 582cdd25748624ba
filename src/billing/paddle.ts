/**
 * The Paddle Billing adapter over `fetch`: transactions as hosted checkouts, subscriptions,
 * one-off charges for usage, customer portal sessions, and webhooks signed
 * `Paddle-Signature: ts=…;h1=…` (HMAC-SHA256 of `${ts}:${body}`). Requests and answers are JSON,
 * answers wrapped in `{ data }`.
 */
import { ProblemError } from "../kernel/errors";
import { at, firstOf, isoAt, numberAt, stringAt } from "./json-path";
import { ACCOUNT_METADATA_KEY, checkoutMetadata, PLAN_METADATA_KEY } from "./metadata";
import { createProviderCall, type ProviderHttpOptions } from "./provider-http";
import { type TimestampedHmacScheme, verifyTimestampedHmac } from "./signatures";
import type { BillingAdapter, BillingEventType, Subscription } from "./types";

/** Options of `createPaddleAdapter`. */
export interface PaddleAdapterOptions extends ProviderHttpOptions {
  apiKey: string;
  /** Uses `https://sandbox-api.paddle.com` instead of production. */
  sandbox?: boolean;
}

const PROVIDER = "paddle";

const EVENT_TYPES: Record<string, BillingEventType> = {
  "transaction.completed": "payment.succeeded",
  "transaction.payment_failed": "payment.failed",
  "subscription.created": "subscription.created",
  "subscription.updated": "subscription.updated",
  "subscription.canceled": "subscription.canceled",
  "adjustment.created": "refund.created",
};

const STATUSES: Record<string, Subscription["status"]> = {
  active: "active",
  trialing: "trialing",
  past_due: "past_due",
  paused: "paused",
  canceled: "canceled",
};

function toSubscription(body: unknown): Subscription {
  const data = at(body, "data");
  const providerStatus = stringAt(data, "status") ?? "unknown";
  return {
    id: stringAt(data, "id") ?? "",
    status: STATUSES[providerStatus] ?? "unknown",
    providerStatus,
    priceId: stringAt(data, "items", 0, "price", "id"),
    customerId: stringAt(data, "customer_id"),
    cancelAtPeriodEnd: stringAt(data, "scheduled_change", "action") === "cancel",
    currentPeriodEnd: isoAt(data, "current_billing_period", "ends_at"),
  };
}

/** How the Paddle-Signature header is spelled and what it signs. */
const SIGNATURE_SCHEME: TimestampedHmacScheme = {
  header: "paddle-signature",
  separator: ";",
  timestampKey: "ts",
  signatureKey: "h1",
  signedText: (timestamp, rawBody) => `${timestamp}:${rawBody}`,
};

/** Creates the Paddle adapter. */
export function createPaddleAdapter(options: PaddleAdapterOptions): BillingAdapter {
  const call = createProviderCall(
    PROVIDER,
    options.sandbox ? "https://sandbox-api.paddle.com" : "https://api.paddle.com",
    options,
  );
  const headers = (hasBody: boolean): Record<string, string> => ({
    authorization: `Bearer ${options.apiKey}`,
    ...(hasBody ? { "content-type": "application/json" } : {}),
  });
  const send = (method: "POST" | "PATCH", path: string, data: unknown) =>
    call({ method, path, headers: headers(true), body: JSON.stringify(data) });
  const subscriptionPath = (id: string) => `/subscriptions/${encodeURIComponent(id)}`;

  return {
    provider: PROVIDER,

    async createCheckout(request) {
      // A transaction with a checkout is Paddle's hosted checkout: its `checkout.url` is the link.
      const body = await send("POST", "/transactions", {
        items: [{ price_id: request.plan.priceId, quantity: request.quantity ?? 1 }],
        ...(request.customerId ? { customer_id: request.customerId } : {}),
        custom_data: checkoutMetadata(request.account, request.plan.key),
      });
      return { id: stringAt(body, "data", "id") ?? "", url: stringAt(body, "data", "checkout", "url") ?? "" };
    },

    async getSubscription(subscriptionId) {
      const body = await call({
        method: "GET",
        path: subscriptionPath(subscriptionId),
        headers: headers(false),
        allowNotFound: true,
      });
      return body === null ? null : toSubscription(body);
    },

    async cancelSubscription(subscriptionId, { atPeriodEnd }) {
      const effective = atPeriodEnd ? "next_billing_period" : "immediately";
      return toSubscription(
        await send("POST", `${subscriptionPath(subscriptionId)}/cancel`, { effective_from: effective }),
      );
    },

    async resumeSubscription(subscriptionId) {
      const current = toSubscription(
        await call({ method: "GET", path: subscriptionPath(subscriptionId), headers: headers(false) }),
      );
      // A paused subscription resumes; one scheduled to cancel drops the scheduled change.
      if (current.status === "paused")
        return toSubscription(
          await send("POST", `${subscriptionPath(subscriptionId)}/resume`, { effective_from: "immediately" }),
        );
      return toSubscription(await send("PATCH", subscriptionPath(subscriptionId), { scheduled_change: null }));
    },

    async changePlan(subscriptionId, plan) {
      const body = await send("PATCH", subscriptionPath(subscriptionId), {
        items: [{ price_id: plan.priceId, quantity: 1 }],
        proration_billing_mode: "prorated_immediately",
      });
      return toSubscription(body);
    },

    async reportUsage(report) {
      if (!report.subscriptionId || !report.priceId) {
        throw new ProblemError("billing-unsupported", {
          detail: "paddle: usage is billed as a one-off charge and needs subscriptionId and the plan's priceId",
          extensions: { provider: PROVIDER },
        });
      }
      await send("POST", `${subscriptionPath(report.subscriptionId)}/charge`, {
        effective_from: "next_billing_period",
        items: [{ price_id: report.priceId, quantity: report.quantity }],
      });
    },

    async createPortalSession({ customerId, subscriptionId }) {
      const body = await send("POST", `/customers/${encodeURIComponent(customerId)}/portal-sessions`, {
        subscription_ids: subscriptionId ? [subscriptionId] : [],
      });
      return { url: stringAt(body, "data", "urls", "general", "overview") ?? "" };
    },

    async verifyWebhook(input) {
      await verifyTimestampedHmac(PROVIDER, SIGNATURE_SCHEME, input);
      return { deliveryId: null };
    },

    normalizeEvent(payload) {
      const providerType = stringAt(payload, "event_type") ?? "";
      const data = at(payload, "data");
      let type = EVENT_TYPES[providerType] ?? "unknown";
      // Only a refund adjustment is a refund; credits and chargebacks stay as they are.
      if (providerType === "adjustment.created" && stringAt(data, "action") !== "refund") type = "unknown";
      const isTransaction = providerType.startsWith("transaction.");
      const subscriptionId = isTransaction
        ? stringAt(data, "subscription_id")
        : providerType.startsWith("subscription.")
          ? stringAt(data, "id")
          : stringAt(data, "subscription_id");
      return {
        id: stringAt(payload, "event_id") ?? "",
        provider: PROVIDER,
        type,
        providerType,
        account: stringAt(data, "custom_data", ACCOUNT_METADATA_KEY),
        plan: stringAt(data, "custom_data", PLAN_METADATA_KEY),
        customerId: stringAt(data, "customer_id"),
        subscriptionId,
        purchase: type === "payment.succeeded" ? (subscriptionId ? "subscription" : "one-time") : null,
        amount: firstOf(numberAt(data, "details", "totals", "grand_total"), numberAt(data, "totals", "total")),
        currency: stringAt(data, "currency_code"),
        data,
      };
    },
  };
}
