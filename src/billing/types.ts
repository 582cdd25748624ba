/**
 * The shapes billing is built from: plans, the adapter contract each provider implements, the
 * normalised subscription and webhook event. Types only (a leaf module).
 */

/** The providers covara speaks to. */
export type BillingProvider = "stripe" | "lemon-squeezy" | "paddle" | "polar";

/** A plan by key: what a checkout sells and how many credits a successful payment grants. */
export interface BillingPlan {
  /** The app's own name for the plan (`pro_monthly`); what clients ask for. */
  key: string;
  /**
   * The provider's id of what is sold: a Stripe price, a Lemon Squeezy variant, a Paddle price,
   * a Polar product.
   */
  priceId: string;
  /** `subscription` recurs, `one-time` is paid once, `usage` is billed by reported usage. */
  type: "subscription" | "one-time" | "usage";
  /** Credits granted to the account on every successful payment for this plan. */
  credits?: number;
  /** For usage plans: the provider's meter / event name usage is reported under. */
  meter?: string;
}

/** What the adapter needs to open a hosted checkout. */
export interface CheckoutRequest {
  plan: BillingPlan;
  /** The app's account id; it travels in the provider's metadata and comes back on webhooks. */
  account: string;
  email?: string;
  /** The provider's customer id, when the account already has one. */
  customerId?: string;
  successUrl: string;
  cancelUrl: string;
  quantity?: number;
}

/** A hosted checkout the client is redirected to. */
export interface CheckoutSession {
  id: string;
  url: string;
}

/** A subscription in one shape whatever the provider. */
export interface Subscription {
  id: string;
  status: "active" | "trialing" | "past_due" | "paused" | "canceled" | "incomplete" | "unpaid" | "unknown";
  /** The provider's own status string, for anything the normalised one does not say. */
  providerStatus: string;
  /** The provider's id of the current price / variant / product. */
  priceId: string | null;
  customerId: string | null;
  /** Ends at the period's end instead of renewing. */
  cancelAtPeriodEnd: boolean;
  /** ISO 8601, when the provider says. */
  currentPeriodEnd: string | null;
}

/** A usage report for a usage plan. */
export interface UsageReport {
  /** The provider's customer id (Stripe, Polar) or subscription id (Paddle) the usage belongs to. */
  customerId?: string;
  subscriptionId?: string;
  /** Lemon Squeezy reports against a subscription item. */
  subscriptionItemId?: string;
  /** The account, for providers that key usage by the app's own id (Polar's external customer id). */
  account?: string;
  meter: string;
  /** Needed by Paddle, which bills usage as a one-off charge of a price. */
  priceId?: string;
  quantity: number;
  /** Seconds since the epoch. */
  timestamp?: number;
}

/** The normalised kinds of webhook event; everything else arrives as `unknown`. */
export type BillingEventType =
  | "payment.succeeded"
  | "payment.failed"
  | "checkout.completed"
  | "subscription.created"
  | "subscription.updated"
  | "subscription.canceled"
  | "refund.created"
  | "unknown";

/** One webhook event, the same shape for every provider. */
export interface BillingEvent {
  /** Unique per event at the provider: the key deliveries are deduplicated by. */
  id: string;
  provider: BillingProvider;
  type: BillingEventType;
  /** The provider's own event name (`invoice.paid`, `order_created`, ...). */
  providerType: string;
  /** The app account from the checkout's metadata, when the event carries it. */
  account: string | null;
  /** The plan key from the checkout's metadata, when the event carries it. */
  plan: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  /**
   * What a `payment.succeeded` paid for: a subscription's invoice or a one-time order. Credits go
   * only to a payment of the plan's own kind, so a provider that reports a subscription's first
   * payment twice (as an order and as an invoice) grants once.
   */
  purchase: "subscription" | "one-time" | null;
  /** Smallest currency unit, when the event is about money. */
  amount: number | null;
  currency: string | null;
  /** The provider's object the event is about, untouched. */
  data: unknown;
}

/** Verified request parts a webhook adapter reads. */
export interface WebhookInput {
  rawBody: string;
  headers: Headers;
  secret: string;
  /** Seconds since the epoch, injectable for tests. */
  now: number;
  toleranceSeconds: number;
}

/** The adapter contract: one file per provider implements it over `fetch`. */
export interface BillingAdapter {
  readonly provider: BillingProvider;
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>;
  getSubscription(subscriptionId: string): Promise<Subscription | null>;
  cancelSubscription(subscriptionId: string, options: { atPeriodEnd: boolean }): Promise<Subscription>;
  resumeSubscription(subscriptionId: string): Promise<Subscription>;
  changePlan(subscriptionId: string, plan: BillingPlan): Promise<Subscription>;
  reportUsage(report: UsageReport): Promise<void>;
  /** A hosted portal where the customer manages payment methods and invoices. */
  createPortalSession(request: {
    customerId: string;
    returnUrl: string;
    subscriptionId?: string;
  }): Promise<{ url: string }>;
  /**
   * Checks the signature (and timestamp, where the scheme has one); throws a webhook problem when
   * it does not hold. Returns the delivery's id for dedupe when the headers carry one.
   */
  verifyWebhook(input: WebhookInput): Promise<{ deliveryId: string | null }>;
  /** Maps a verified, parsed payload to the normalised event. */
  normalizeEvent(payload: unknown, deliveryId: string | null): BillingEvent;
}
