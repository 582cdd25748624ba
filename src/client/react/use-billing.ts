/**
 * The billing hooks: `useCredits` and `useSubscription` read through the shared query cache (so
 * components share one request and refetch together), `useCheckout` opens a hosted checkout.
 * After a checkout, cancel, resume or plan change they invalidate the billing path, so every
 * balance and subscription on screen refreshes.
 */
import { useCallback, useState } from "react";
import type { BillingSubscription, CheckoutParams, CreditEntry } from "../billing";
import { useCovara } from "./provider";
import { useCachedQuery } from "./use-query";

/** The cache path billing queries are grouped (and invalidated) under. */
const BILLING_PATH = "/api/billing";

export interface UseCreditsResult {
  /** 0 until loaded. */
  balance: number;
  history: CreditEntry[];
  loading: boolean;
  error: unknown;
  refresh(): void;
}

/** The signed-in account's credit balance and recent history. */
export function useCredits(options: { limit?: number } = {}): UseCreditsResult {
  const { client } = useCovara();
  const state = useCachedQuery(`billing#credits:${options.limit ?? ""}`, BILLING_PATH, (signal) =>
    client.billing.credits({ ...options, signal }),
  );
  const refresh = useCallback(() => client.invalidate(BILLING_PATH), [client]);
  return {
    balance: state.data?.balance ?? 0,
    history: state.data?.history ?? [],
    loading: state.status === "loading" || state.status === "idle",
    error: state.error,
    refresh,
  };
}

export interface UseSubscriptionResult {
  subscription: BillingSubscription | null;
  /** The subscription while it is active or trialing, else null. */
  activeSubscription: BillingSubscription | null;
  /** The plan key of the subscription. */
  plan: string | null;
  loading: boolean;
  error: unknown;
  cancel(options?: { atPeriodEnd?: boolean }): Promise<BillingSubscription>;
  resume(): Promise<BillingSubscription>;
  changePlan(plan: string): Promise<BillingSubscription>;
}

/** The signed-in account's subscription, with the actions on it. */
export function useSubscription(): UseSubscriptionResult {
  const { client } = useCovara();
  const state = useCachedQuery("billing#subscription", BILLING_PATH, (signal) =>
    client.billing.subscription({ signal }),
  );
  const after = useCallback(
    async <T>(action: Promise<T>): Promise<T> => {
      try {
        return await action;
      } finally {
        client.invalidate(BILLING_PATH);
      }
    },
    [client],
  );
  const subscription = state.data?.subscription ?? null;
  const active = subscription !== null && (subscription.status === "active" || subscription.status === "trialing");
  return {
    subscription,
    activeSubscription: active ? subscription : null,
    plan: state.data?.plan ?? null,
    loading: state.status === "loading" || state.status === "idle",
    error: state.error,
    cancel: useCallback((options) => after(client.billing.cancelSubscription(options)), [client, after]),
    resume: useCallback(() => after(client.billing.resumeSubscription()), [client, after]),
    changePlan: useCallback((plan: string) => after(client.billing.changePlan(plan)), [client, after]),
  };
}

export interface UseCheckoutResult {
  /** Opens a hosted checkout and sends the browser there. */
  redirectToCheckout(params: CheckoutParams): Promise<string>;
  loading: boolean;
  error: unknown;
}

/** Starts checkouts; `loading` while the provider opens one, `error` when it could not. */
export function useCheckout(): UseCheckoutResult {
  const { client } = useCovara();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const redirectToCheckout = useCallback(
    async (params: CheckoutParams) => {
      setLoading(true);
      setError(undefined);
      try {
        return await client.billing.redirectToCheckout(params);
      } catch (caught) {
        setError(caught);
        throw caught;
      } finally {
        setLoading(false);
      }
    },
    [client],
  );
  return { redirectToCheckout, loading, error };
}
