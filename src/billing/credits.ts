/**
 * The credits ledger on the KV: a balance counter per account that never goes below zero, and a
 * history of every change. The balance moves with the KV's `incrBounded`, one atomic step on every
 * backend, so concurrent consumes can never overdraw it; the history line is appended right after.
 */
import type { KV } from "../kernel/kv";
import { ProblemError } from "../kernel/errors";
import "./problems";

/** One change of a balance, as `history` returns it (newest first). */
export interface CreditEntry {
  id: string;
  kind: "grant" | "consume";
  /** Always positive; `kind` says which way it went. */
  amount: number;
  /** The balance right after this change. */
  balance: number;
  reason?: string;
  /** What caused it: a webhook event id, an order id, a request id. */
  reference?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/** What `grant` and `consume` may record beside the amount. */
export interface CreditChangeOptions {
  reason?: string;
  reference?: string;
}

/** The outcome of `consume`: refused (nothing changed) when the balance was too low. */
export type ConsumeResult = { ok: true; balance: number; entry: CreditEntry } | { ok: false; balance: number };

/** The credits API of `createBilling` (`billing.credits`). */
export interface CreditsLedger {
  /** Adds `amount` (a positive integer) to the account's balance. */
  grant(account: string, amount: number, options?: CreditChangeOptions): Promise<{ balance: number; entry: CreditEntry }>;
  /** Takes `amount` when the balance covers it; otherwise refuses and changes nothing. */
  consume(account: string, amount: number, options?: CreditChangeOptions): Promise<ConsumeResult>;
  balance(account: string): Promise<number>;
  /** The latest changes, newest first (default 50). */
  history(account: string, options?: { limit?: number }): Promise<CreditEntry[]>;
}

/** Refuses anything but a positive safe integer, with a problem a client can act on. */
function assertAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ProblemError("invalid-credit-amount", {
      detail: `A credit amount must be a positive integer, got ${String(amount)}`,
      extensions: { amount: Number.isFinite(amount) ? amount : String(amount) },
    });
  }
}

function assertAccount(account: string): void {
  if (typeof account !== "string" || account.length === 0) {
    throw new ProblemError("billing-account-required", { detail: "Credits need a non-empty account id" });
  }
}

/** Creates the ledger over `kv`, its keys under `prefix` (default `billing:credits:`). */
export function createCreditsLedger(kv: KV, prefix = "billing:credits:"): CreditsLedger {
  // The account id is encoded so an id holding ':' can never reach another account's keys.
  const balanceKey = (account: string) => `${prefix}${encodeURIComponent(account)}:balance`;
  const historyKey = (account: string) => `${prefix}${encodeURIComponent(account)}:history`;

  // Scores are the millisecond × 1000 plus a counter, so changes made within one millisecond by
  // this process keep their order (the member alone would order them at random).
  let sequence = 0;
  async function record(account: string, entry: CreditEntry): Promise<void> {
    sequence = (sequence + 1) % 1000;
    await kv.zadd(historyKey(account), JSON.stringify(entry), entry.at * 1000 + sequence);
  }

  function entryOf(kind: CreditEntry["kind"], amount: number, balance: number, options: CreditChangeOptions): CreditEntry {
    // randomUUID draws from a pooled entropy cache: far cheaper per call than small getRandomValues.
    const entry: CreditEntry = { id: crypto.randomUUID(), kind, amount, balance, at: Date.now() };
    if (options.reason !== undefined) entry.reason = options.reason;
    if (options.reference !== undefined) entry.reference = options.reference;
    return entry;
  }

  async function balanceOf(account: string): Promise<number> {
    assertAccount(account);
    const value = await kv.get(balanceKey(account));
    return value === null ? 0 : Number(value);
  }

  return {
    async grant(account, amount, options = {}) {
      assertAccount(account);
      assertAmount(amount);
      const balance = await kv.incr(balanceKey(account), amount);
      const entry = entryOf("grant", amount, balance, options);
      await record(account, entry);
      return { balance, entry };
    },

    async consume(account, amount, options = {}) {
      assertAccount(account);
      assertAmount(amount);
      const balance = await kv.incrBounded(balanceKey(account), -amount, { min: 0 });
      if (balance === null) return { ok: false, balance: await balanceOf(account) };
      const entry = entryOf("consume", amount, balance, options);
      await record(account, entry);
      return { ok: true, balance, entry };
    },

    balance: balanceOf,

    async history(account, options = {}) {
      assertAccount(account);
      const limit = Math.max(0, Math.min(options.limit ?? 50, 1000));
      const entries = await kv.zrange(historyKey(account), { reverse: true, limit });
      return entries.map((item) => JSON.parse(item.member) as CreditEntry);
    },
  };
}
