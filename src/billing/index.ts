/**
 * covara/billing — plans, checkout, subscriptions, usage and the customer portal over Stripe,
 * Lemon Squeezy, Paddle and Polar (fetch only, no provider SDK), signed webhooks with dedupe, and
 * a credits ledger on the KV.
 */
export { createBilling } from "./create-billing";
export type { Billing, BillingOptions, CheckoutOptions } from "./create-billing";
export { createBillingRouter } from "./router";
export type { BillingRouterOptions } from "./router";
export { createCreditsLedger } from "./credits";
export type { ConsumeResult, CreditChangeOptions, CreditEntry, CreditsLedger } from "./credits";
export { createStripeAdapter } from "./stripe";
export type { StripeAdapterOptions } from "./stripe";
export { createPaddleAdapter } from "./paddle";
export type { PaddleAdapterOptions } from "./paddle";
export { createLemonSqueezyAdapter } from "./lemon-squeezy";
export type { LemonSqueezyAdapterOptions } from "./lemon-squeezy";
export { createPolarAdapter } from "./polar";
export type { PolarAdapterOptions } from "./polar";
export type { ProviderHttpOptions } from "./provider-http";
export type { AccountLink } from "./account-links";
export type { BillingEventHandler, WebhookOutcome } from "./webhook-handler";
export { BILLING_PROBLEM_TYPES } from "./problems";
export type {
  BillingAdapter,
  BillingEvent,
  BillingEventType,
  BillingPlan,
  BillingProvider,
  CheckoutRequest,
  CheckoutSession,
  Subscription,
  UsageReport,
  WebhookInput,
} from "./types";
