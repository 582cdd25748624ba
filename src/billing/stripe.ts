/**
 * The Stripe adapter over `fetch`: Checkout Sessions, subscriptions, Billing meter events, the
 * customer portal, and webhooks signed `Stripe-Signature: t=…,v1=…` (HMAC-SHA256 of
 * `${t}.${body}` with the endpoint secret, checked within a timestamp tolerance). Requests are
 * form-encoded in bracket notation as Stripe's API takes them.
 */
import { encodeStripeForm, type FormValue } from "./form-encoding";
import { at, booleanAt, firstOf, isoAt, numberAt, stringAt } from "./json-path";
import { ACCOUNT_METADATA_KEY, checkoutMetadata, PLAN_METADATA_KEY } from "./metadata";
import { createProviderCall, type ProviderHttpOptions } from "./provider-http";
import { type TimestampedHmacScheme, verifyTimestampedHmac } from "./signatures";
import type { BillingAdapter, BillingEvent, BillingEventType, Subscription } from "./types";

/** Options of `createStripeAdapter`. */
export interface StripeAdapterOptions extends ProviderHttpOptions {
  /** The secret key (`sk_live_…` / `sk_test_…`). */
  apiKey: string;
  /** Sent as `Stripe-Version`; the account's default version applies when unset. */
  apiVersion?: string;
}

const PROVIDER = "stripe";

const EVENT_TYPES: Record<string, BillingEventType> = {
  "invoice.paid": "payment.succeeded",
  "invoice.payment_failed": "payment.failed",
  "checkout.session.completed": "checkout.completed",
  "checkout.session.async_payment_succeeded": "checkout.completed",
  "customer.subscription.created": "subscription.created",
  "customer.subscription.updated": "subscription.updated",
  "customer.subscription.deleted": "subscription.canceled",
  "charge.refunded": "refund.created",
};

const STATUSES: Record<string, Subscription["status"]> = {
  active: "active",
  trialing: "trialing",
  past_due: "past_due",
  paused: "paused",
  canceled: "canceled",
  incomplete: "incomplete",
  incomplete_expired: "canceled",
  unpaid: "unpaid",
};

function toSubscription(body: unknown): Subscription {
  const providerStatus = stringAt(body, "status") ?? "unknown";
  return {
    id: stringAt(body, "id") ?? "",
    status: STATUSES[providerStatus] ?? "unknown",
    providerStatus,
    priceId: stringAt(body, "items", "data", 0, "price", "id"),
    customerId: stringAt(body, "customer"),
    cancelAtPeriodEnd: booleanAt(body, "cancel_at_period_end") ?? false,
    // Since API version 2025-03-31 the period lives on each item.
    currentPeriodEnd: firstOf(isoAt(body, "current_period_end"), isoAt(body, "items", "data", 0, "current_period_end")),
  };
}

/** The fields of the checkout's metadata an event object carries, wherever this event keeps them. */
function metadataOf(object: unknown): unknown {
  return at(object, "metadata", ACCOUNT_METADATA_KEY) !== undefined
    ? at(object, "metadata")
    : (at(object, "subscription_details", "metadata") ??
        at(object, "parent", "subscription_details", "metadata") ??
        at(object, "metadata"));
}

/** How the Stripe-Signature header is spelled and what it signs. */
const SIGNATURE_SCHEME: TimestampedHmacScheme = {
  header: "stripe-signature",
  separator: ",",
  timestampKey: "t",
  signatureKey: "v1",
  signedText: (timestamp, rawBody) => `${timestamp}.${rawBody}`,
};

/** Creates the Stripe adapter. */
export function createStripeAdapter(options: StripeAdapterOptions): BillingAdapter {
  const call = createProviderCall(PROVIDER, "https://api.stripe.com", options);

  function headers(hasBody: boolean): Record<string, string> {
    const result: Record<string, string> = { authorization: `Bearer ${options.apiKey}` };
    if (options.apiVersion) result["stripe-version"] = options.apiVersion;
    if (hasBody) {
      result["content-type"] = "application/x-www-form-urlencoded";
      // Makes a retried POST safe at Stripe: the same key never creates twice.
      result["idempotency-key"] = crypto.randomUUID();
    }
    return result;
  }

  const post = (path: string, data: Record<string, FormValue>) =>
    call({ method: "POST", path, headers: headers(true), body: encodeStripeForm(data) });
  const subscriptionPath = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;

  return {
    provider: PROVIDER,

    async createCheckout(request) {
      const metadata = checkoutMetadata(request.account, request.plan.key);
      const recurring = request.plan.type !== "one-time";
      const data: Record<string, FormValue> = {
        mode: recurring ? "subscription" : "payment",
        // A metered price takes no quantity: usage decides what is billed.
        line_items: [
          {
            price: request.plan.priceId,
            quantity: request.plan.type === "usage" ? undefined : (request.quantity ?? 1),
          },
        ],
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
        client_reference_id: request.account,
        customer: request.customerId,
        customer_email: request.customerId === undefined ? request.email : undefined,
        metadata,
      };
      // Copied onto the subscription or payment, so every later event carries them too.
      if (recurring) data.subscription_data = { metadata };
      else data.payment_intent_data = { metadata };
      const body = await post("/v1/checkout/sessions", data);
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
        return toSubscription(await post(subscriptionPath(subscriptionId), { cancel_at_period_end: true }));
      return toSubscription(
        await call({ method: "DELETE", path: subscriptionPath(subscriptionId), headers: headers(false) }),
      );
    },

    async resumeSubscription(subscriptionId) {
      return toSubscription(await post(subscriptionPath(subscriptionId), { cancel_at_period_end: false }));
    },

    async changePlan(subscriptionId, plan) {
      // Stripe swaps a price on the existing item, so the item id is read first.
      const current = await call({ method: "GET", path: subscriptionPath(subscriptionId), headers: headers(false) });
      const itemId = stringAt(current, "items", "data", 0, "id");
      const body = await post(subscriptionPath(subscriptionId), {
        items: [{ id: itemId ?? undefined, price: plan.priceId }],
        proration_behavior: "create_prorations",
      });
      return toSubscription(body);
    },

    async reportUsage(report) {
      await post("/v1/billing/meter_events", {
        event_name: report.meter,
        payload: { stripe_customer_id: report.customerId, value: String(report.quantity) },
        timestamp: report.timestamp,
      });
    },

    async createPortalSession({ customerId, returnUrl }) {
      const body = await post("/v1/billing_portal/sessions", { customer: customerId, return_url: returnUrl });
      return { url: stringAt(body, "url") ?? "" };
    },

    async verifyWebhook(input) {
      await verifyTimestampedHmac(PROVIDER, SIGNATURE_SCHEME, input);
      return { deliveryId: null };
    },

    normalizeEvent(payload) {
      const providerType = stringAt(payload, "type") ?? "";
      const object = at(payload, "data", "object");
      const metadata = metadataOf(object);
      let type = EVENT_TYPES[providerType] ?? "unknown";
      let purchase: BillingEvent["purchase"] = null;
      if (providerType === "invoice.paid") purchase = "subscription";
      // A paid one-time checkout is the payment itself; a subscription's is paid by its invoice.
      if (
        type === "checkout.completed" &&
        stringAt(object, "mode") === "payment" &&
        stringAt(object, "payment_status") === "paid"
      ) {
        type = "payment.succeeded";
        purchase = "one-time";
      }
      const objectKind = stringAt(object, "object");
      return {
        id: stringAt(payload, "id") ?? "",
        provider: PROVIDER,
        type,
        providerType,
        account: firstOf(stringAt(metadata, ACCOUNT_METADATA_KEY), stringAt(object, "client_reference_id")),
        plan: stringAt(metadata, PLAN_METADATA_KEY),
        customerId: stringAt(object, "customer"),
        subscriptionId:
          objectKind === "subscription"
            ? stringAt(object, "id")
            : firstOf(
                stringAt(object, "subscription"),
                stringAt(object, "parent", "subscription_details", "subscription"),
              ),
        purchase,
        amount: firstOf(
          numberAt(object, "amount_paid"),
          numberAt(object, "amount_total"),
          numberAt(object, "amount_refunded"),
        ),
        currency: stringAt(object, "currency"),
        data: object,
      };
    },
  };
}
