/**
 * Rate limiting (per resource through `rateLimit` in a resource's config, or on any route through
 * `rateLimit()` of covara/middleware): a fixed window counter per caller in KV (atomic `incr` with the
 * window as TTL), so limits hold across every process sharing the KV. Over the limit is a 429
 * `rate-limit-exceeded` with `Retry-After`; every answer carries RateLimit-* headers.
 */
import type { Context, MiddlewareHandler } from "hono";
import { ProblemError } from "./errors";
import type { KV } from "./kv";
import type { CovaraEnv } from "./http";

/** A fixed-window limit: at most `maxRequests` per `windowMs` per caller. */
export interface RateLimitConfig {
  windowMs: number;
  maxRequests: number;
  /** Who is counted; default: the user id, else the client address. */
  key?: (c: Context<CovaraEnv>) => string;
  /** Where counters live; default: the app's KV, else a process-local memory KV. */
  kv?: KV;
}

/** The address of the peer, from the runtime's connection info (never from spoofable headers). */
function clientAddress(c: Context<CovaraEnv>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

function defaultKey(c: Context<CovaraEnv>): string {
  const user = c.get("user");
  return user ? `user:${String(user.id)}` : `ip:${clientAddress(c)}`;
}

/** Middleware enforcing `config` for the resource (or route group) named `resource`. */
export function rateLimiter(resource: string, config: RateLimitConfig, kv: () => KV): MiddlewareHandler<CovaraEnv> {
  if (!(config.windowMs > 0 && config.maxRequests > 0))
    throw new TypeError("covara: rateLimit needs a positive windowMs and maxRequests");
  const keyOf = config.key ?? defaultKey;
  return async (c, next) => {
    const now = Date.now();
    const windowStart = Math.floor(now / config.windowMs) * config.windowMs;
    const resetSeconds = Math.max(1, Math.ceil((windowStart + config.windowMs - now) / 1000));
    const counter = `covara:ratelimit:${resource}:${keyOf(c)}:${windowStart}`;
    const used = await kv().incr(counter, 1, { ttlMs: config.windowMs });
    const headers = {
      "ratelimit-limit": String(config.maxRequests),
      "ratelimit-remaining": String(Math.max(0, config.maxRequests - used)),
      "ratelimit-reset": String(resetSeconds),
    };
    if (used > config.maxRequests) {
      throw new ProblemError("rate-limit-exceeded", {
        detail: `Too many requests to ${resource}; try again in ${resetSeconds} s`,
        headers: { ...headers, "retry-after": String(resetSeconds) },
        extensions: { limit: config.maxRequests, windowMs: config.windowMs },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
