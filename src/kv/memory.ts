/**
 * The in-memory KV adapter: one process, no persistence. The default for development, tests and a
 * single Node instance. Web-standard only (no `node:` imports) so it also runs on Workers.
 */
import { deliverMessage } from "./deliver";
import type { KV, KVMessageHandler, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";
import { SortedSet } from "./sorted-set";

/**
 * Options of `createMemoryKV` (one process; tests and single-instance apps).
 *
 * @example
 * ```ts
 * const kv = createMemoryKV({ sweepIntervalMs: 5000 });
 * ```
 */
export interface MemoryKVOptions {
  /**
   * How often expired keys are swept, in ms (default 1000). Expiry is also checked on every
   * access, so the sweep only bounds memory held by keys nobody reads again. 0 disables it.
   */
  sweepIntervalMs?: number;
}

type Entry =
  | { kind: "string"; value: string; expiresAt: number | null }
  | { kind: "zset"; value: SortedSet; expiresAt: number | null };

interface Subscription {
  handler: KVMessageHandler;
  active: boolean;
}

const DEFAULT_SWEEP_INTERVAL_MS = 1000;
const INTEGER = /^-?\d+$/;

/** Creates an in-memory KV with TTLs, atomic counters, sorted sets and pub/sub. */
export function createMemoryKV(options: MemoryKVOptions = {}): KV {
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const store = new Map<string, Entry>();
  /** Keys that carry a TTL, so a sweep never walks keys that cannot expire. */
  const expiring = new Set<string>();
  const channels = new Map<string, Set<Subscription>>();
  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error("The memory KV has been closed");
  }

  function isExpired(entry: Entry, now: number): boolean {
    return entry.expiresAt !== null && entry.expiresAt <= now;
  }

  function remove(key: string): boolean {
    expiring.delete(key);
    return store.delete(key);
  }

  /** The live entry under `key`, dropping it first when it has expired. */
  function read(key: string): Entry | undefined {
    const entry = store.get(key);
    if (entry === undefined) return undefined;
    if (isExpired(entry, Date.now())) {
      remove(key);
      return undefined;
    }
    return entry;
  }

  function readString(key: string): Extract<Entry, { kind: "string" }> | undefined {
    const entry = read(key);
    if (entry !== undefined && entry.kind !== "string") {
      throw new Error(`WRONGTYPE: key "${key}" holds a sorted set, not a string`);
    }
    return entry;
  }

  function readZSet(key: string): SortedSet | undefined {
    const entry = read(key);
    if (entry !== undefined && entry.kind !== "zset") {
      throw new Error(`WRONGTYPE: key "${key}" holds a string, not a sorted set`);
    }
    return entry?.value;
  }

  function setExpiry(key: string, entry: Entry, ttlMs: number | null | undefined): void {
    if (ttlMs === null || ttlMs === undefined) {
      entry.expiresAt = null;
      expiring.delete(key);
      return;
    }
    if (!Number.isFinite(ttlMs)) throw new Error(`TTL must be a finite number of ms, got ${ttlMs}`);
    entry.expiresAt = Date.now() + ttlMs;
    expiring.add(key);
    startSweep();
  }

  // The timer exists only while some key can expire: a KV without TTLs holds no timer, and
  // creating one at module scope stays legal on Workers, where global-scope timers are not.
  function startSweep(): void {
    if (sweepTimer !== undefined || sweepIntervalMs <= 0 || closed) return;
    sweepTimer = setInterval(sweep, sweepIntervalMs);
    const timer: unknown = sweepTimer;
    // Node's timers can be unref'd so a sweep never keeps the process alive; other runtimes' cannot.
    if (typeof timer === "object" && timer !== null && "unref" in timer && typeof timer.unref === "function")
      timer.unref();
  }

  function stopSweep(): void {
    if (sweepTimer === undefined) return;
    clearInterval(sweepTimer);
    sweepTimer = undefined;
  }

  function sweep(): void {
    const now = Date.now();
    for (const key of expiring) {
      const entry = store.get(key);
      if (entry === undefined || entry.expiresAt === null) expiring.delete(key);
      else if (isExpired(entry, now)) remove(key);
    }
    if (expiring.size === 0) stopSweep();
  }

  const kv: KV = {
    async get(key) {
      assertOpen();
      return readString(key)?.value ?? null;
    },

    async set(key, value, setOptions: KVSetOptions = {}) {
      assertOpen();
      if (setOptions.ifNotExists && read(key) !== undefined) return false;
      const entry: Entry = { kind: "string", value, expiresAt: null };
      store.set(key, entry);
      // Like Redis SET, a plain write replaces the old TTL rather than keeping it.
      setExpiry(key, entry, setOptions.ttlMs);
      return true;
    },

    async delete(key) {
      assertOpen();
      return read(key) !== undefined && remove(key);
    },

    async has(key) {
      assertOpen();
      return read(key) !== undefined;
    },

    async incr(key, by = 1, incrOptions = {}) {
      assertOpen();
      if (!Number.isSafeInteger(by)) throw new Error(`incr: the increment must be an integer, got ${by}`);
      const entry = readString(key);
      const current = entry === undefined ? 0 : parseInteger(key, entry.value);
      const next = current + by;
      if (!Number.isSafeInteger(next)) throw new Error(`incr: the value of "${key}" would overflow`);
      if (entry === undefined) {
        const created: Entry = { kind: "string", value: String(next), expiresAt: null };
        store.set(key, created);
        setExpiry(key, created, incrOptions.ttlMs);
      } else {
        entry.value = String(next);
        // The TTL starts a window only once; later increments must not extend it.
        if (entry.expiresAt === null && incrOptions.ttlMs !== undefined) setExpiry(key, entry, incrOptions.ttlMs);
      }
      return next;
    },

    async incrBounded(key, by, bounds) {
      assertOpen();
      if (!Number.isSafeInteger(by)) throw new Error(`incrBounded: the increment must be an integer, got ${by}`);
      const entry = readString(key);
      const next = (entry === undefined ? 0 : parseInteger(key, entry.value)) + by;
      // One synchronous step: no other caller can run between the check and the write.
      if (next < (bounds.min ?? -Infinity) || next > (bounds.max ?? Infinity)) return null;
      if (!Number.isSafeInteger(next)) throw new Error(`incr: the value of "${key}" would overflow`);
      if (entry === undefined) store.set(key, { kind: "string", value: String(next), expiresAt: null });
      else entry.value = String(next);
      return next;
    },

    async expire(key, ttlMs) {
      assertOpen();
      const entry = read(key);
      if (entry === undefined) return false;
      if (ttlMs !== null && ttlMs <= 0) remove(key);
      else setExpiry(key, entry, ttlMs);
      return true;
    },

    async ttl(key) {
      assertOpen();
      const entry = read(key);
      if (entry === undefined) return -1;
      return entry.expiresAt === null ? null : Math.max(0, entry.expiresAt - Date.now());
    },

    async keys(prefix) {
      assertOpen();
      const now = Date.now();
      const found: string[] = [];
      for (const [key, entry] of store) {
        if (!key.startsWith(prefix)) continue;
        if (isExpired(entry, now)) remove(key);
        else found.push(key);
      }
      return found;
    },

    async zadd(key, member, score) {
      assertOpen();
      let set = readZSet(key);
      if (set === undefined) {
        set = new SortedSet();
        store.set(key, { kind: "zset", value: set, expiresAt: null });
      }
      set.add(member, score);
    },

    async zrem(key, member) {
      assertOpen();
      const set = readZSet(key);
      if (set === undefined || !set.remove(member)) return false;
      // Like Redis, an emptied set stops existing.
      if (set.size === 0) remove(key);
      return true;
    },

    async zscore(key, member) {
      assertOpen();
      return readZSet(key)?.score(member) ?? null;
    },

    async zrange(key, rangeOptions?: RangeOptions): Promise<SortedSetEntry[]> {
      assertOpen();
      return readZSet(key)?.range(rangeOptions) ?? [];
    },

    async zremRangeByScore(key, min, max) {
      assertOpen();
      const set = readZSet(key);
      if (set === undefined) return 0;
      const removed = set.removeRangeByScore(min, max);
      if (set.size === 0) remove(key);
      return removed;
    },

    async zcard(key) {
      assertOpen();
      return readZSet(key)?.size ?? 0;
    },

    async publish(channel, message) {
      assertOpen();
      const subscriptions = channels.get(channel);
      if (subscriptions === undefined || subscriptions.size === 0) return;
      const recipients = [...subscriptions];
      // One microtask per publish keeps publish order and stops a handler re-entering its publisher.
      queueMicrotask(() => {
        for (const subscription of recipients) {
          if (subscription.active) deliverMessage(subscription.handler, message, channel);
        }
      });
    },

    async subscribe(channel, handler) {
      assertOpen();
      const subscription: Subscription = { handler, active: true };
      let subscriptions = channels.get(channel);
      if (subscriptions === undefined) {
        subscriptions = new Set();
        channels.set(channel, subscriptions);
      }
      subscriptions.add(subscription);
      return async () => {
        subscription.active = false;
        const current = channels.get(channel);
        if (current === undefined) return;
        current.delete(subscription);
        if (current.size === 0) channels.delete(channel);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      stopSweep();
      for (const subscriptions of channels.values()) {
        for (const subscription of subscriptions) subscription.active = false;
      }
      channels.clear();
      store.clear();
      expiring.clear();
    },
  };
  return kv;
}

function parseInteger(key: string, value: string): number {
  const parsed = INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw new Error(`incr: the value of "${key}" is not an integer (${JSON.stringify(value.slice(0, 40))})`);
  }
  return parsed;
}
