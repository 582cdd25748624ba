/**
 * The KV interface every shared-state feature builds on: changelog, rate limits, sessions, OIDC
 * stores, task queues, credits. Adapters (memory, Redis, Durable Object) live in `src/kv/`.
 * Values are strings; callers serialise. All methods are async so any backend fits.
 */

export interface KVSetOptions {
  /** Time to live in milliseconds; the key disappears after it. */
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX). Returns false when it existed. */
  ifNotExists?: boolean;
}

export interface SortedSetEntry {
  member: string;
  score: number;
}

export interface RangeOptions {
  /** Inclusive bounds on the score; default -Infinity / +Infinity. */
  min?: number;
  max?: number;
  /** Exclusive lower bound instead of inclusive. */
  minExclusive?: boolean;
  /** Maximum number of entries returned. */
  limit?: number;
  /** Highest scores first. */
  reverse?: boolean;
}

/** The inclusive range `incrBounded` keeps a counter in; a missing side is unbounded. */
export interface IncrBounds {
  min?: number;
  max?: number;
}

export type KVMessageHandler = (message: string, channel: string) => void;

export interface KV {
  get(key: string): Promise<string | null>;
  /** Returns true when the value was written (false only with `ifNotExists` on an existing key). */
  set(key: string, value: string, options?: KVSetOptions): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /**
   * Atomically adds `by` (default 1) to an integer value, creating it at 0; returns the result.
   * `ttlMs` is applied only when the key has no TTL yet (a fixed window starts at the first
   * increment). A non-integer stored value makes it reject.
   */
  incr(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /**
   * Atomically adds `by` to an integer value (created at 0) only when the result stays within
   * `bounds` (inclusive); returns the result, or null and changes nothing when it would not. A
   * guarded counter: a credit balance that never goes below 0, a quota that never exceeds its cap.
   * A non-integer stored value makes it reject, as with `incr`.
   */
  incrBounded(key: string, by: number, bounds: IncrBounds): Promise<number | null>;
  /** Sets or clears the TTL of an existing key; false when the key does not exist. */
  expire(key: string, ttlMs: number | null): Promise<boolean>;
  /** Remaining TTL in ms, null when the key has none, -1 when it does not exist. */
  ttl(key: string): Promise<number | null>;
  /** Keys that start with `prefix` (for admin and cleanup, not hot paths). */
  keys(prefix: string): Promise<string[]>;

  zadd(key: string, member: string, score: number): Promise<void>;
  zrem(key: string, member: string): Promise<boolean>;
  zscore(key: string, member: string): Promise<number | null>;
  /** Entries within the bounds, by score then member (ascending unless `reverse`). */
  zrange(key: string, options?: RangeOptions): Promise<SortedSetEntry[]>;
  /** Removes entries with score in [min, max]; returns how many were removed. */
  zremRangeByScore(key: string, min: number, max: number): Promise<number>;
  zcard(key: string): Promise<number>;

  /**
   * Delivers to every current subscriber of the channel, asynchronously and in publish order.
   * A subscriber that throws is reported and never stops delivery to the others.
   */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes to a channel; the returned function unsubscribes. */
  subscribe(channel: string, handler: KVMessageHandler): Promise<() => Promise<void>>;

  /** Releases connections and timers; later calls reject. */
  close(): Promise<void>;
}

/**
 * The property under which a Redis KV offers `RunRedisScript`. A registered symbol: the caller
 * looks it up here (the task queue does), the KV interface stays as it is, and other KVs simply
 * do not have it.
 */
export const RUN_REDIS_SCRIPT = Symbol.for("covara.kv.runRedisScript");

/**
 * Runs a Lua script atomically on the KV's Redis. `keys` are prefixed like every other key of the
 * KV (a script may also build key names from a prefixed key it was given). The reply is as ioredis
 * decodes it: strings, numbers, null, arrays of those.
 */
export type RunRedisScript = (
  lua: string,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;
