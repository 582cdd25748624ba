/**
 * The Polar adapter over `fetch`: checkouts, subscriptions, usage events for meters, customer
 * portal sessions, and webhooks signed with Standard Webhooks. Requests and answers are JSON.
 */
import { at, booleanAt, firstOf, isoAt, numberAt, stringAt } from "./json-path";
import { ACCOUNT_METADATA_KEY, checkoutMetadata, PLAN_METADATA_KEY } from "./metadata";
import { createProviderCall, type ProviderHttpOptions } from "./provider-http";
import { verifyStandardWebhook } from "./standard-webhooks";
import type { BillingAdapter, BillingEventType, Subscription } from "./types";

/** Options of `createPolarAdapter`. */
export interface PolarAdapterOptions extends ProviderHttpOptions {
  /** An organization access token. */
  accessToken: string;
  /** Uses `https://sandbox-api.polar.sh` instead of production. */
  sandbox?: boolean;
}

const PROVIDER = "polar";

const EVENT_TYPES: Record<string, BillingEventType> = {
  "order.paid": "payment.succeeded",
  "checkout.updated": "unknown",
  "subscription.created": "subscription.created",
  "subscription.updated": "subscription.updated",
  "subscription.canceled": "subscription.updated",
  "subscription.revoked": "subscription.canceled",
  "order.refunded": "refund.created",
};

const STATUSES: Record<string, Subscription["status"]> = {
  incomplete: "incomplete",
  incomplete_expired: "canceled",
  trialing: "trialing",
  active: "active",
  past_due: "past_due",
  canceled: "canceled",
  unpaid: "unpaid",
};

function toSubscription(body: unknown): Subscription {
  const providerStatus = stringAt(body, "status") ?? "unknown";
  return {
    id: stringAt(body, "id") ?? "",
    status: STATUSES[providerStatus] ?? "unknown",
    providerStatus,
    priceId: stringAt(body, "product_id"),
    customerId: stringAt(body, "customer_id"),
    cancelAtPeriodEnd: booleanAt(body, "cancel_at_period_end") ?? false,
    currentPeriodEnd: isoAt(body, "current_period_end"),
  };
}

/** Creates the Polar adapter. */
export function createPolarAdapter(options: PolarAdapterOptions): BillingAdapter {
  const call = createProviderCall(
    PROVIDER,
    options.sandbox ? "https://sandbox-api.polar.sh" : "https://api.polar.sh",
    options,
  );
  const headers = (hasBody: boolean): Record<string, string> => ({
    accept: "application/json",
    authorization: `Bearer ${options.accessToken}`,
    ...(hasBody ? { "content-type": "application/json" } : {}),
  });
  const send = (method: "POST" | "PATCH", path: string, data: unknown) =>
    call({ method, path, headers: headers(true), body: JSON.stringify(data) });
  const subscriptionPath = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;

  return {
    provider: PROVIDER,

    async createCheckout(request) {
      const body = await send("POST", "/v1/checkouts/", {
        products: [request.plan.priceId],
        success_url: request.successUrl,
        ...(request.customerId ? { customer_id: request.customerId } : { external_customer_id: request.account }),
        ...(request.email ? { customer_email: request.email } : {}),
        // Copied by Polar onto the order and the subscription, so webhooks carry it back.
        metadata: checkoutMetadata(request.account, request.plan.key),
        // Polar's defaults, sent explicitly as its own client does.
        allow_discount_codes: true,
        allow_trial: true,
        is_business_customer: false,
        require_billing_address: false,
      });
      return { id: stringAt(body, "id") ?? "", url: stringAt(body, "url") ?? "" };
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
      if (atPeriodEnd)
        return toSubscription(await send("PATCH", subscriptionPath(subscriptionId), { cancel_at_period_end: true }));
      // Revoking ends it now.
      return toSubscription(
        await call({ method: "DELETE", path: subscriptionPath(subscriptionId), headers: headers(false) }),
      );
    },

    async resumeSubscription(subscriptionId) {
      return toSubscription(await send("PATCH", subscriptionPath(subscriptionId), { cancel_at_period_end: false }));
    },

    async changePlan(subscriptionId, plan) {
      return toSubscription(await send("PATCH", subscriptionPath(subscriptionId), { product_id: plan.priceId }));
    },

    async reportUsage(report) {
      const customer = report.customerId
        ? { customer_id: report.customerId }
        : { external_customer_id: report.account };
      await send("POST", "/v1/events/ingest", {
        events: [{ name: report.meter, ...customer, metadata: { quantity: report.quantity } }],
      });
    },

    async createPortalSession({ customerId }) {
      const body = await send("POST", "/v1/customer-sessions/", { customer_id: customerId });
      return { url: stringAt(body, "customer_portal_url") ?? "" };
    },

    async verifyWebhook(input) {
      return { deliveryId: await verifyStandardWebhook(PROVIDER, input) };
    },

    normalizeEvent(payload, deliveryId) {
      const providerType = stringAt(payload, "type") ?? "";
      const data = at(payload, "data");
      const type = EVENT_TYPES[providerType] ?? "unknown";
      const isSubscription = providerType.startsWith("subscription.");
      const billingReason = stringAt(data, "billing_reason");
      return {
        id: deliveryId ?? "",
        provider: PROVIDER,
        type,
        providerType,
        account: firstOf(stringAt(data, "metadata", ACCOUNT_METADATA_KEY), stringAt(data, "customer", "external_id")),
        plan: stringAt(data, "metadata", PLAN_METADATA_KEY),
        customerId: stringAt(data, "customer_id"),
        subscriptionId: isSubscription ? stringAt(data, "id") : stringAt(data, "subscription_id"),
        purchase: type !== "payment.succeeded" ? null : billingReason === "purchase" ? "one-time" : "subscription",
        amount: firstOf(numberAt(data, "total_amount"), numberAt(data, "amount")),
        currency: stringAt(data, "currency"),
        data,
      };
    },
  };
}
