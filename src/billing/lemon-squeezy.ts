/**
 * The Lemon Squeezy adapter over `fetch` (JSON:API): checkouts, subscriptions, usage records,
 * the customer portal URL, and webhooks signed `X-Signature` (hex HMAC-SHA256 of the raw body).
 * The scheme has no timestamp and no event id, so a delivery is deduplicated by its body's digest.
 */
import { ProblemError } from "../kernel/errors";
import { sha256Hex } from "../kernel/web-crypto";
import { at, booleanAt, isoAt, numberAt, stringAt } from "./json-path";
import { ACCOUNT_METADATA_KEY, checkoutMetadata, PLAN_METADATA_KEY } from "./metadata";
import { createProviderCall, type ProviderHttpOptions } from "./provider-http";
import { hmacSha256, invalidSignature, matchesAny, requireHeader, toHex } from "./signatures";
import type { BillingAdapter, BillingEventType, Subscription } from "./types";

/** Options of `createLemonSqueezyAdapter`. */
export interface LemonSqueezyAdapterOptions extends ProviderHttpOptions {
  apiKey: string;
  /** The store checkouts are created in. */
  storeId: string;
}

const PROVIDER = "lemon-squeezy";
const JSON_API = "application/vnd.api+json";

const EVENT_TYPES: Record<string, BillingEventType> = {
  order_created: "payment.succeeded",
  subscription_payment_success: "payment.succeeded",
  subscription_payment_failed: "payment.failed",
  subscription_created: "subscription.created",
  subscription_updated: "subscription.updated",
  subscription_cancelled: "subscription.canceled",
  subscription_expired: "subscription.canceled",
  order_refunded: "refund.created",
};

const STATUSES: Record<string, Subscription["status"]> = {
  on_trial: "trialing",
  active: "active",
  paused: "paused",
  past_due: "past_due",
  unpaid: "unpaid",
  cancelled: "active",
  expired: "canceled",
};

function toSubscription(body: unknown): Subscription {
  const attributes = at(body, "data", "attributes");
  const providerStatus = stringAt(attributes, "status") ?? "unknown";
  const cancelled = booleanAt(attributes, "cancelled") ?? false;
  return {
    id: stringAt(body, "data", "id") ?? "",
    // "cancelled" is a subscription still running to the end of its paid period.
    status: STATUSES[providerStatus] ?? "unknown",
    providerStatus,
    priceId: stringAt(attributes, "variant_id"),
    customerId: stringAt(attributes, "customer_id"),
    cancelAtPeriodEnd: cancelled,
    currentPeriodEnd: cancelled ? isoAt(attributes, "ends_at") : isoAt(attributes, "renews_at"),
  };
}

/** Lemon Squeezy's ids are numeric strings; its JSON:API bodies take numbers in attributes. */
function numericId(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/** Creates the Lemon Squeezy adapter. */
export function createLemonSqueezyAdapter(options: LemonSqueezyAdapterOptions): BillingAdapter {
  const call = createProviderCall(PROVIDER, "https://api.lemonsqueezy.com", options);
  const headers = (hasBody: boolean): Record<string, string> => ({
    accept: JSON_API,
    authorization: `Bearer ${options.apiKey}`,
    ...(hasBody ? { "content-type": JSON_API } : {}),
  });
  const send = (method: "POST" | "PATCH", path: string, data: unknown) =>
    call({ method, path, headers: headers(true), body: JSON.stringify({ data }) });
  const subscriptionPath = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;

  return {
    provider: PROVIDER,

    async createCheckout(request) {
      const body = await send("POST", "/v1/checkouts", {
        type: "checkouts",
        attributes: {
          checkout_data: {
            ...(request.email ? { email: request.email } : {}),
            custom: checkoutMetadata(request.account, request.plan.key),
          },
          product_options: { redirect_url: request.successUrl },
        },
        relationships: {
          store: { data: { type: "stores", id: options.storeId } },
          variant: { data: { type: "variants", id: request.plan.priceId } },
        },
      });
      return { id: stringAt(body, "data", "id") ?? "", url: stringAt(body, "data", "attributes", "url") ?? "" };
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
      if (!atPeriodEnd) {
        throw new ProblemError("billing-unsupported", {
          detail: "lemon-squeezy: a subscription can only be cancelled at the end of its period",
          extensions: { provider: PROVIDER },
        });
      }
      return toSubscription(
        await call({ method: "DELETE", path: subscriptionPath(subscriptionId), headers: headers(false) }),
      );
    },

    async resumeSubscription(subscriptionId) {
      return toSubscription(
        await send("PATCH", subscriptionPath(subscriptionId), {
          type: "subscriptions",
          id: subscriptionId,
          attributes: { cancelled: false },
        }),
      );
    },

    async changePlan(subscriptionId, plan) {
      return toSubscription(
        await send("PATCH", subscriptionPath(subscriptionId), {
          type: "subscriptions",
          id: subscriptionId,
          attributes: { variant_id: numericId(plan.priceId) },
        }),
      );
    },

    async reportUsage(report) {
      if (!report.subscriptionItemId) {
        throw new ProblemError("billing-unsupported", {
          detail: "lemon-squeezy: usage is reported against a subscriptionItemId",
          extensions: { provider: PROVIDER },
        });
      }
      await send("POST", "/v1/usage-records", {
        type: "usage-records",
        attributes: { quantity: report.quantity, action: "increment" },
        relationships: { "subscription-item": { data: { type: "subscription-items", id: report.subscriptionItemId } } },
      });
    },

    async createPortalSession({ customerId }) {
      // The portal is a signed URL on the customer, valid for a day.
      const body = await call({
        method: "GET",
        path: `/v1/customers/${encodeURIComponent(customerId)}`,
        headers: headers(false),
      });
      return { url: stringAt(body, "data", "attributes", "urls", "customer_portal") ?? "" };
    },

    async verifyWebhook({ rawBody, headers: requestHeaders, secret }) {
      const signature = requireHeader(requestHeaders, "x-signature", PROVIDER);
      const expected = toHex(await hmacSha256(secret, rawBody));
      if (!matchesAny(expected, [signature.trim().toLowerCase()])) throw invalidSignature(PROVIDER);
      // Retries resend the same bytes, so the digest identifies a delivery.
      return { deliveryId: await sha256Hex(rawBody) };
    },

    normalizeEvent(payload, deliveryId) {
      const providerType = stringAt(payload, "meta", "event_name") ?? "";
      const data = at(payload, "data");
      const attributes = at(data, "attributes");
      let type = EVENT_TYPES[providerType] ?? "unknown";
      // An order that is not (yet) paid is no payment.
      if (providerType === "order_created" && stringAt(attributes, "status") !== "paid") type = "unknown";
      const dataType = stringAt(data, "type");
      const subscriptionId =
        dataType === "subscriptions" ? stringAt(data, "id") : stringAt(attributes, "subscription_id");
      return {
        id: deliveryId ?? "",
        provider: PROVIDER,
        type,
        providerType,
        account: stringAt(payload, "meta", "custom_data", ACCOUNT_METADATA_KEY),
        plan: stringAt(payload, "meta", "custom_data", PLAN_METADATA_KEY),
        customerId: stringAt(attributes, "customer_id"),
        subscriptionId,
        purchase: type !== "payment.succeeded" ? null : providerType === "order_created" ? "one-time" : "subscription",
        amount: numberAt(attributes, "total"),
        currency: stringAt(attributes, "currency"),
        data,
      };
    },
  };
}
