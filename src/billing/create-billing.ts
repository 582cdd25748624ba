/**
 * `createBilling`: one provider adapter, the plans by key, the credits ledger and the webhook
 * handler, over the app's KV. Everything the router and the app call goes through here.
 */
import { ProblemError } from "../kernel/errors";
import { getGlobalKV } from "../kernel/global-kv";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv";
import { type AccountLink, createAccountLinks } from "./account-links";
import { createCreditsLedger, type CreditsLedger } from "./credits";
import type {
  BillingAdapter,
  BillingEventType,
  BillingPlan,
  BillingProvider,
  CheckoutSession,
  Subscription,
} from "./types";
import { type BillingEventHandler, createWebhookHandler, type WebhookOutcome } from "./webhook-handler";
import "./problems";

/** Options of `createBilling`. */
export interface BillingOptions {
  adapter: BillingAdapter;
  /** The provider's webhook signing secret for this endpoint. */
  webhookSecret: string;
  plans: readonly BillingPlan[];
  /** Where credits, links and webhook dedupe live; default the global KV, else memory (one process). */
  kv?: KV;
  /** Prefix of every key billing writes (default `billing:`). */
  keyPrefix?: string;
  /** How far a signed timestamp may be from now, in seconds (default 300, as Stripe's SDK). */
  webhookToleranceSeconds?: number;
  /** How long a handled event id is remembered, in ms (default 7 days; providers retry for ~3). */
  dedupeTtlMs?: number;
  /** Hooks by normalised event type, run after credits are granted. */
  on?: Partial<Record<Exclude<BillingEventType, "unknown">, BillingEventHandler>>;
  /** Runs for every verified event, unknown types included. */
  onEvent?: BillingEventHandler;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/** What `createCheckout` takes. */
export interface CheckoutOptions {
  plan: string;
  account: string;
  email?: string;
  successUrl: string;
  cancelUrl: string;
  quantity?: number;
}

/** The billing service `createBilling` returns. */
export interface Billing {
  readonly provider: BillingProvider;
  readonly plans: readonly BillingPlan[];
  readonly credits: CreditsLedger;
  /** The plan with `key`, or an `unknown-plan` problem. */
  plan(key: string): BillingPlan;
  /** What billing knows of the account's provider ids (from webhooks). */
  account(account: string): Promise<AccountLink | null>;
  createCheckout(options: CheckoutOptions): Promise<CheckoutSession>;
  /** The account's current subscription at the provider, or null. */
  getSubscription(account: string): Promise<Subscription | null>;
  cancelSubscription(account: string, options?: { atPeriodEnd?: boolean }): Promise<Subscription>;
  resumeSubscription(account: string): Promise<Subscription>;
  changePlan(account: string, plan: string): Promise<Subscription>;
  /** Reports usage of a usage plan for the account. */
  reportUsage(
    account: string,
    usage: { plan: string; quantity: number; subscriptionItemId?: string; timestamp?: number },
  ): Promise<void>;
  createPortalSession(account: string, returnUrl: string): Promise<{ url: string }>;
  /** Verifies and handles one delivery; throws a webhook problem when it is not genuine. */
  handleWebhook(rawBody: string, headers: Headers): Promise<WebhookOutcome>;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

function validatePlans(plans: readonly BillingPlan[]): Map<string, BillingPlan> {
  const byKey = new Map<string, BillingPlan>();
  for (const plan of plans) {
    if (byKey.has(plan.key)) throw new TypeError(`covara billing: the plan key "${plan.key}" is used twice`);
    if (plan.credits !== undefined && (!Number.isSafeInteger(plan.credits) || plan.credits < 0)) {
      throw new TypeError(`covara billing: plan "${plan.key}" has credits ${plan.credits}; use a non-negative integer`);
    }
    byKey.set(plan.key, plan);
  }
  return byKey;
}

/** Creates the billing service for one provider. */
export function createBilling(options: BillingOptions): Billing {
  if (!options.webhookSecret) throw new TypeError("covara billing: webhookSecret is required");
  const plans = validatePlans(options.plans);
  const kv = options.kv ?? getGlobalKV() ?? createMemoryKV();
  const prefix = options.keyPrefix ?? "billing:";
  const credits = createCreditsLedger(kv, `${prefix}credits:`);
  const links = createAccountLinks(kv, `${prefix}account:`);
  const { adapter } = options;

  function plan(key: string): BillingPlan {
    const found = typeof key === "string" ? plans.get(key) : undefined;
    if (!found)
      throw new ProblemError("unknown-plan", {
        detail: `No plan "${String(key)}"`,
        extensions: { plan: key, plans: [...plans.keys()] },
      });
    return found;
  }

  async function linkOf(account: string): Promise<AccountLink | null> {
    return links.get(account);
  }

  async function subscriptionIdOf(account: string): Promise<string> {
    const id = (await linkOf(account))?.subscriptionId;
    if (!id) throw new ProblemError("no-subscription", { detail: "This account has no subscription" });
    return id;
  }

  return {
    provider: adapter.provider,
    plans: options.plans,
    credits,
    plan,
    account: linkOf,

    async createCheckout(checkout) {
      const chosen = plan(checkout.plan);
      const customerId = (await linkOf(checkout.account))?.customerId ?? undefined;
      // Nothing is written before or after the provider call: a failed checkout leaves no state.
      return adapter.createCheckout({
        plan: chosen,
        account: checkout.account,
        email: checkout.email,
        customerId,
        successUrl: checkout.successUrl,
        cancelUrl: checkout.cancelUrl,
        quantity: checkout.quantity,
      });
    },

    async getSubscription(account) {
      const id = (await linkOf(account))?.subscriptionId;
      return id ? adapter.getSubscription(id) : null;
    },

    async cancelSubscription(account, cancel = {}) {
      return adapter.cancelSubscription(await subscriptionIdOf(account), { atPeriodEnd: cancel.atPeriodEnd ?? true });
    },

    async resumeSubscription(account) {
      return adapter.resumeSubscription(await subscriptionIdOf(account));
    },

    async changePlan(account, planKey) {
      const chosen = plan(planKey);
      return adapter.changePlan(await subscriptionIdOf(account), chosen);
    },

    async reportUsage(account, usage) {
      const chosen = plan(usage.plan);
      if (!Number.isSafeInteger(usage.quantity) || usage.quantity <= 0) {
        throw new ProblemError("validation-error", {
          detail: `Usage must be a positive integer, got ${String(usage.quantity)}`,
        });
      }
      const link = await linkOf(account);
      await adapter.reportUsage({
        account,
        customerId: link?.customerId ?? undefined,
        subscriptionId: link?.subscriptionId ?? undefined,
        subscriptionItemId: usage.subscriptionItemId,
        meter: chosen.meter ?? chosen.key,
        priceId: chosen.priceId,
        quantity: usage.quantity,
        timestamp: usage.timestamp,
      });
    },

    async createPortalSession(account, returnUrl) {
      const link = await linkOf(account);
      if (!link?.customerId)
        throw new ProblemError("no-billing-customer", { detail: "This account has not paid through the provider yet" });
      return adapter.createPortalSession({
        customerId: link.customerId,
        returnUrl,
        subscriptionId: link.subscriptionId ?? undefined,
      });
    },

    handleWebhook: createWebhookHandler({
      adapter,
      secret: options.webhookSecret,
      kv,
      keyPrefix: prefix,
      plans,
      credits,
      links,
      toleranceSeconds: options.webhookToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
      dedupeTtlMs: options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS,
      on: options.on ?? {},
      onEvent: options.onEvent,
      now: options.now ?? Date.now,
    }),
  };
}
