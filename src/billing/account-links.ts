/**
 * What billing remembers per account: the provider's customer and subscription ids and the plan,
 * learned from webhooks (the checkout's metadata names the account). The subscription, portal and
 * plan-change routes start from it.
 */
import type { KV } from "../kernel/kv";
import type { BillingEvent } from "./types";

/** The provider ids an account is linked to. */
export interface AccountLink {
  customerId: string | null;
  subscriptionId: string | null;
  plan: string | null;
}

export interface AccountLinks {
  get(account: string): Promise<AccountLink | null>;
  /** Records what the event says about its account (when it names one). */
  learnFrom(event: BillingEvent): Promise<void>;
}

/** Creates the link store over `kv` with keys under `prefix`. */
export function createAccountLinks(kv: KV, prefix: string): AccountLinks {
  const keyOf = (account: string) => `${prefix}${encodeURIComponent(account)}`;

  async function get(account: string): Promise<AccountLink | null> {
    const raw = await kv.get(keyOf(account));
    return raw === null ? null : (JSON.parse(raw) as AccountLink);
  }

  return {
    get,
    async learnFrom(event) {
      if (event.account === null) return;
      const current = (await get(event.account)) ?? { customerId: null, subscriptionId: null, plan: null };
      const ended = event.type === "subscription.canceled" && event.subscriptionId === current.subscriptionId;
      const next: AccountLink = {
        customerId: event.customerId ?? current.customerId,
        subscriptionId: ended ? null : (event.subscriptionId ?? current.subscriptionId),
        plan: ended ? null : event.subscriptionId !== null && event.plan !== null ? event.plan : current.plan,
      };
      if (JSON.stringify(next) !== JSON.stringify(current)) await kv.set(keyOf(event.account), JSON.stringify(next));
    },
  };
}
