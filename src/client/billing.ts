/**
 * `client.billing`: the billing router's routes as typed calls (plans, credits, subscription,
 * checkout, portal). Its own module, so the core client's bundle never carries it.
 */
import type { Transport } from "./transport";

/** One line of the credits history. */
export interface CreditEntry {
  id: string;
  kind: "grant" | "consume";
  amount: number;
  balance: number;
  reason?: string;
  reference?: string;
  at: number;
}

/** A subscription as the billing router answers it. */
export interface BillingSubscription {
  id: string;
  status: "active" | "trialing" | "past_due" | "paused" | "canceled" | "incomplete" | "unpaid" | "unknown";
  providerStatus: string;
  priceId: string | null;
  customerId: string | null;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string | null;
}

export interface BillingPlanInfo {
  key: string;
  type: "subscription" | "one-time" | "usage";
  credits: number;
}

export interface CheckoutParams {
  plan: string;
  /** Where the provider sends the customer after paying (same origin as the API, or allowed by it). */
  successUrl?: string;
  cancelUrl?: string;
  quantity?: number;
}

/** The billing routes of one API. */
export interface BillingClient {
  plans(): Promise<BillingPlanInfo[]>;
  credits(options?: { limit?: number; signal?: AbortSignal }): Promise<{ balance: number; history: CreditEntry[] }>;
  subscription(options?: {
    signal?: AbortSignal;
  }): Promise<{ subscription: BillingSubscription | null; plan: string | null }>;
  checkout(params: CheckoutParams): Promise<{ id: string; url: string }>;
  /** Opens a checkout and sends the browser to it (returns the URL where there is no window). */
  redirectToCheckout(params: CheckoutParams): Promise<string>;
  portal(options?: { returnUrl?: string }): Promise<{ url: string }>;
  cancelSubscription(options?: { atPeriodEnd?: boolean }): Promise<BillingSubscription>;
  resumeSubscription(): Promise<BillingSubscription>;
  changePlan(plan: string): Promise<BillingSubscription>;
}

/** The billing client over `transport`, for a router mounted at `basePath` (default `/api/billing`). */
export function createBillingClient(transport: Transport, basePath = "/api/billing"): BillingClient {
  const path = (rest: string) => basePath.replace(/\/+$/, "") + rest;
  const get = async <T>(rest: string, query?: Record<string, number>, signal?: AbortSignal) =>
    (await transport.request<T>("GET", path(rest), { query, signal })).data;
  const post = async <T>(rest: string, body: unknown = {}) =>
    (await transport.request<T>("POST", path(rest), { body })).data;
  const subscriptionOf = async (rest: string, body?: unknown) =>
    (await post<{ subscription: BillingSubscription }>(rest, body)).subscription;

  const checkout = (params: CheckoutParams) => post<{ id: string; url: string }>("/checkout", params);
  return {
    plans: async () => (await get<{ plans: BillingPlanInfo[] }>("/plans")).plans,
    credits: (options = {}) =>
      get("/credits", options.limit === undefined ? undefined : { limit: options.limit }, options.signal),
    subscription: (options = {}) => get("/subscription", undefined, options.signal),
    checkout,
    async redirectToCheckout(params) {
      const { url } = await checkout(params);
      const location = (globalThis as { location?: { assign(url: string): void } }).location;
      location?.assign(url);
      return url;
    },
    portal: (options = {}) => post("/portal", options),
    cancelSubscription: (options = {}) => subscriptionOf("/subscription/cancel", options),
    resumeSubscription: () => subscriptionOf("/subscription/resume"),
    changePlan: (plan) => subscriptionOf("/subscription/change", { plan }),
  };
}
