/**
 * Every provider's events in the one normalised shape: the type, the account and plan from the
 * checkout's metadata, the provider ids and the money, for payments, failures, subscription
 * changes and refunds; anything else is `unknown`. Payloads follow each provider's documented
 * examples, trimmed to the fields that matter.
 */
import { describe, expect, it } from "vitest";
import {
  createLemonSqueezyAdapter,
  createPaddleAdapter,
  createPolarAdapter,
  createStripeAdapter,
} from "../../src/billing";

const meta = { covara_account: "acct_1", covara_plan: "pro_monthly" };
const stripe = createStripeAdapter({ apiKey: "sk" });
const paddle = createPaddleAdapter({ apiKey: "pdl" });
const lemon = createLemonSqueezyAdapter({ apiKey: "ls", storeId: "1" });
const polar = createPolarAdapter({ accessToken: "polar" });

describe("Stripe events", () => {
  const event = (type: string, object: Record<string, unknown>) =>
    stripe.normalizeEvent({ id: "evt_1", type, data: { object } }, null);

  it("maps payments, failures, subscriptions and refunds", () => {
    expect(
      event("invoice.paid", {
        object: "invoice",
        customer: "cus_1",
        subscription: "sub_1",
        amount_paid: 1200,
        currency: "eur",
        subscription_details: { metadata: meta },
      }),
    ).toMatchObject({
      id: "evt_1",
      provider: "stripe",
      type: "payment.succeeded",
      purchase: "subscription",
      account: "acct_1",
      plan: "pro_monthly",
      customerId: "cus_1",
      subscriptionId: "sub_1",
      amount: 1200,
      currency: "eur",
    });
    expect(event("invoice.payment_failed", { object: "invoice", customer: "cus_1", metadata: meta }).type).toBe(
      "payment.failed",
    );
    expect(
      event("customer.subscription.created", {
        object: "subscription",
        id: "sub_2",
        customer: "cus_1",
        metadata: meta,
      }),
    ).toMatchObject({ type: "subscription.created", subscriptionId: "sub_2", account: "acct_1" });
    expect(event("customer.subscription.deleted", { object: "subscription", id: "sub_2", metadata: meta }).type).toBe(
      "subscription.canceled",
    );
    expect(event("charge.refunded", { object: "charge", amount_refunded: 500, metadata: meta })).toMatchObject({
      type: "refund.created",
      amount: 500,
    });
    expect(
      event("checkout.session.completed", {
        object: "checkout.session",
        mode: "payment",
        payment_status: "unpaid",
        client_reference_id: "acct_9",
      }),
    ).toMatchObject({ type: "checkout.completed", account: "acct_9", purchase: null });
    expect(event("customer.created", { object: "customer" }).type).toBe("unknown");
  });
});

describe("Paddle events", () => {
  const event = (event_type: string, data: Record<string, unknown>) =>
    paddle.normalizeEvent({ event_id: "evt_p", event_type, occurred_at: "2025-01-01T00:00:00Z", data }, null);

  it("maps payments, failures, subscriptions and refund adjustments", () => {
    expect(
      event("transaction.completed", {
        id: "txn_1",
        customer_id: "ctm_1",
        subscription_id: null,
        currency_code: "USD",
        custom_data: meta,
        details: { totals: { grand_total: "4900" } },
      }),
    ).toMatchObject({
      id: "evt_p",
      type: "payment.succeeded",
      purchase: "one-time",
      account: "acct_1",
      customerId: "ctm_1",
      subscriptionId: null,
      amount: 4900,
      currency: "USD",
    });
    expect(event("transaction.payment_failed", { custom_data: meta }).type).toBe("payment.failed");
    expect(event("subscription.canceled", { id: "sub_01", customer_id: "ctm_1", custom_data: meta })).toMatchObject({
      type: "subscription.canceled",
      subscriptionId: "sub_01",
    });
    expect(event("adjustment.created", { action: "refund", subscription_id: "sub_01" }).type).toBe("refund.created");
    expect(event("adjustment.created", { action: "credit" }).type).toBe("unknown");
  });
});

describe("Lemon Squeezy events", () => {
  const event = (event_name: string, data: Record<string, unknown>) =>
    lemon.normalizeEvent({ meta: { event_name, custom_data: meta }, data }, "digest");

  it("maps orders, invoices, subscriptions and refunds", () => {
    expect(
      event("order_created", {
        type: "orders",
        id: "1",
        attributes: { status: "paid", customer_id: 7, total: 999, currency: "USD" },
      }),
    ).toMatchObject({
      id: "digest",
      type: "payment.succeeded",
      purchase: "one-time",
      account: "acct_1",
      plan: "pro_monthly",
      customerId: "7",
      amount: 999,
    });
    expect(event("order_created", { type: "orders", id: "2", attributes: { status: "pending" } }).type).toBe("unknown");
    expect(
      event("subscription_payment_failed", { type: "subscription-invoices", attributes: { subscription_id: 3 } }),
    ).toMatchObject({ type: "payment.failed", subscriptionId: "3" });
    expect(
      event("subscription_updated", { type: "subscriptions", id: "3", attributes: { customer_id: 7 } }),
    ).toMatchObject({ type: "subscription.updated", subscriptionId: "3" });
    expect(event("subscription_expired", { type: "subscriptions", id: "3", attributes: {} }).type).toBe(
      "subscription.canceled",
    );
    expect(event("order_refunded", { type: "orders", id: "1", attributes: {} }).type).toBe("refund.created");
    expect(event("license_key_created", { type: "license-keys", id: "1", attributes: {} }).type).toBe("unknown");
  });
});

describe("Polar events", () => {
  const event = (type: string, data: Record<string, unknown>) =>
    polar.normalizeEvent({ type, timestamp: "2025-01-01T00:00:00Z", data }, "msg_1");

  it("maps orders, subscriptions and refunds; the account also comes from the external customer id", () => {
    expect(
      event("order.paid", {
        id: "ord_1",
        billing_reason: "purchase",
        customer_id: "cus_p",
        total_amount: 2500,
        currency: "usd",
        metadata: meta,
      }),
    ).toMatchObject({
      id: "msg_1",
      type: "payment.succeeded",
      purchase: "one-time",
      account: "acct_1",
      amount: 2500,
    });
    expect(
      event("order.paid", {
        id: "ord_2",
        billing_reason: "subscription_cycle",
        subscription_id: "sub_p",
        customer: { external_id: "acct_2" },
        metadata: {},
      }),
    ).toMatchObject({ purchase: "subscription", account: "acct_2", subscriptionId: "sub_p" });
    expect(event("subscription.revoked", { id: "sub_p", metadata: meta })).toMatchObject({
      type: "subscription.canceled",
      subscriptionId: "sub_p",
    });
    expect(event("subscription.canceled", { id: "sub_p", metadata: meta }).type).toBe("subscription.updated");
    expect(event("order.refunded", { id: "ord_1", metadata: meta }).type).toBe("refund.created");
    expect(event("benefit.created", {}).type).toBe("unknown");
  });
});
