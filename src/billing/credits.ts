/**
 * The credits ledger on the KV: a balance counter per account that never goes below zero, and a
 * history of every change. On Redis the balance and its history line move together in one Lua
 * script; on other KVs the balance moves with `incrBounded` (atomic on every backend, so
 * concurrent consumes can never overdraw it) and the history line is appended right after.
 */
import { type KV, RUN_REDIS_SCRIPT, type RunRedisScript } from "../kernel/kv";
import { ProblemError } from "../kernel/errors";
import { guardedAddLua } from "../kernel/lua-guarded-add";
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
  grant(
    account: string,
    amount: number,
    options?: CreditChangeOptions,
  ): Promise<{ balance: number; entry: CreditEntry }>;
  /** Takes `amount` when the balance covers it; otherwise refuses and changes nothing. */
  consume(account: string, amount: number, options?: CreditChangeOptions): Promise<ConsumeResult>;
  balance(account: string): Promise<number>;
  /** The latest changes, newest first (default 50). */
  history(account: string, options?: { limit?: number }): Promise<CreditEntry[]>;
}

// The guarded increment and the history line in one step. ARGV: delta, the lower bound ('' for
// none), the entry's JSON up to its balance, the history score. Same integer rules as `incr`.
const CHANGE_SCRIPT = `
${guardedAddLua("KEYS[1]", "ARGV[1]", "ARGV[2]", null)}
local text = string.format('%.0f', next)
redis.call('SET', KEYS[1], text, 'KEEPTTL')
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3] .. text .. '}')
return text`;

/** The KV's Redis script runner, when the KV is the Redis KV. */
function redisScriptRunnerOf(kv: KV): RunRedisScript | undefined {
  const runner: unknown = RUN_REDIS_SCRIPT in kv ? kv[RUN_REDIS_SCRIPT] : undefined;
  return typeof runner === "function" ? (runner as RunRedisScript) : undefined;
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

  const runScript = redisScriptRunnerOf(kv);
  // Scores are the millisecond × 1000 plus a counter, so changes made within one millisecond by
  // this process keep their order (the member alone would order them at random).
  let sequence = 0;

  /**
   * Moves the balance by `delta` unless it would fall below `min`, and appends the history line
   * with the balance after; answers that balance, or null when refused. On Redis both happen in
   * one script (atomic, one round trip); elsewhere the line follows the guarded increment.
   */
  async function change(
    account: string,
    kind: CreditEntry["kind"],
    amount: number,
    options: CreditChangeOptions,
  ): Promise<{ balance: number; entry: CreditEntry } | null> {
    const delta = kind === "grant" ? amount : -amount;
    const base = baseEntry(kind, amount, options);
    sequence = (sequence + 1) % 1000;
    const score = base.at * 1000 + sequence;
    if (runScript) {
      // The member is the entry's JSON with the balance appended by the script as the last key.
      const head = `${JSON.stringify(base).slice(0, -1)},"balance":`;
      const result = await runScript(
        CHANGE_SCRIPT,
        [balanceKey(account), historyKey(account)],
        [delta, kind === "consume" ? 0 : "", head, score],
      );
      if (result === null) return null;
      const balance = Number(result);
      return { balance, entry: { ...base, balance } };
    }
    const balance =
      kind === "consume"
        ? await kv.incrBounded(balanceKey(account), delta, { min: 0 })
        : await kv.incr(balanceKey(account), delta);
    if (balance === null) return null;
    const entry = { ...base, balance };
    await kv.zadd(historyKey(account), JSON.stringify(entry), score);
    return { balance, entry };
  }

  function baseEntry(
    kind: CreditEntry["kind"],
    amount: number,
    options: CreditChangeOptions,
  ): Omit<CreditEntry, "balance"> {
    // randomUUID draws from a pooled entropy cache: far cheaper per call than small getRandomValues.
    const entry: Omit<CreditEntry, "balance"> = { id: crypto.randomUUID(), kind, amount, at: Date.now() };
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
      const changed = await change(account, "grant", amount, options);
      // A grant has no lower bound, so it is never refused.
      if (changed === null) throw new Error("covara billing: a credit grant was refused");
      return changed;
    },

    async consume(account, amount, options = {}) {
      assertAccount(account);
      assertAmount(amount);
      const changed = await change(account, "consume", amount, options);
      if (changed === null) return { ok: false, balance: await balanceOf(account) };
      return { ok: true, ...changed };
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
