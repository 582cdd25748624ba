/**
 * Attempt throttling for auth endpoints: a counter per `<bucket>:<subject>` key in KV (atomic
 * `incr`; the window starts at the first attempt), so limits hold across every process sharing
 * the KV. Past the limit the answer is 429 `rate-limit-exceeded` with `Retry-After`.
 */
import { ProblemError } from "./errors";
import type { KV } from "./kv";

export interface ThrottleLimit {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
}

/** Limits per bucket (the part of a key before the first ":"); `false` switches one bucket off. */
export type ThrottleLimits = Record<string, ThrottleLimit | false>;

/** The contract's limits: login 5 per 15 minutes per IP, refresh 10 per minute per user, reset 3 per hour per email. */
export const DEFAULT_THROTTLE_LIMITS: Readonly<Record<string, ThrottleLimit>> = Object.freeze({
  login: { max: 5, windowSeconds: 15 * 60 },
  refresh: { max: 10, windowSeconds: 60 },
  "password-reset": { max: 3, windowSeconds: 60 * 60 },
  "magic-link": { max: 5, windowSeconds: 15 * 60 },
  signup: { max: 20, windowSeconds: 60 * 60 },
  /** Any bucket without its own entry. */
  default: { max: 10, windowSeconds: 15 * 60 },
});

export interface Throttle {
  /** Counts one attempt; throws 429 once the bucket's limit is exceeded. */
  hit(key: string): Promise<void>;
  /** Gives one attempt back (a login that succeeded does not count against the client). */
  refund(key: string): Promise<void>;
}

export interface ThrottleOptions {
  kv: KV;
  /** Merged over DEFAULT_THROTTLE_LIMITS; `false` disables throttling entirely. */
  limits?: Partial<ThrottleLimits> | false;
  /** KV key prefix (default "covara:auth:throttle:"). */
  prefix?: string;
}

function assertLimit(bucket: string, limit: ThrottleLimit): void {
  if (!(Number.isInteger(limit.max) && limit.max > 0 && limit.windowSeconds > 0)) {
    throw new TypeError(
      `covara/auth: throttle limit "${bucket}" needs a positive integer max and a positive windowSeconds`,
    );
  }
}

/** Creates the throttle `useAuth` uses (also available to features through `kit.throttle`). */
export function createThrottle(options: ThrottleOptions): Throttle {
  const prefix = options.prefix ?? "covara:auth:throttle:";
  if (options.limits === false) return { hit: async () => {}, refund: async () => {} };
  const limits: ThrottleLimits = { ...DEFAULT_THROTTLE_LIMITS };
  for (const [bucket, limit] of Object.entries(options.limits ?? {})) {
    if (limit === undefined) continue;
    if (limit !== false) assertLimit(bucket, limit);
    limits[bucket] = limit;
  }

  function resolve(key: string): { storageKey: string; limit: ThrottleLimit | false } {
    const bucket = key.includes(":") ? key.slice(0, key.indexOf(":")) : key;
    const limit = limits[bucket] ?? limits.default ?? false;
    // Keys are case-insensitive ("Ada@Example.com" and "ada@example.com" share a bucket) and bounded.
    return { storageKey: prefix + key.toLowerCase().slice(0, 512), limit };
  }

  return {
    async hit(key) {
      const { storageKey, limit } = resolve(key);
      if (limit === false) return;
      const windowMs = limit.windowSeconds * 1000;
      const used = await options.kv.incr(storageKey, 1, { ttlMs: windowMs });
      if (used <= limit.max) return;
      let remaining = await options.kv.ttl(storageKey);
      if (remaining === null) {
        // A counter left without a TTL (e.g. by a refund racing its expiry) would block forever.
        await options.kv.expire(storageKey, windowMs);
        remaining = windowMs;
      }
      const retryAfter = Math.max(1, Math.ceil((remaining > 0 ? remaining : windowMs) / 1000));
      throw new ProblemError("rate-limit-exceeded", {
        detail: `Too many attempts; try again in ${retryAfter} s`,
        headers: { "retry-after": String(retryAfter) },
        extensions: { limit: limit.max, windowSeconds: limit.windowSeconds },
      });
    },
    async refund(key) {
      const { storageKey, limit } = resolve(key);
      if (limit === false) return;
      const current = Number(await options.kv.get(storageKey));
      if (current > 0) await options.kv.incr(storageKey, -1);
    },
  };
}
