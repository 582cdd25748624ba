/**
 * `rateLimit()`: the fixed-window limiter resources use (`rateLimit` in a resource's config), on
 * any route: `app.use("/api/search/*", rateLimit({ windowMs: 60_000, maxRequests: 30 }))`.
 */
import type { MiddlewareHandler } from "hono";
import { contextOf, type ContextSource } from "../kernel/context";
import type { CovaraEnv } from "../kernel/http";
import type { KV } from "../kernel/kv";
import { rateLimiter, type RateLimitConfig } from "../kernel/rate-limit";
import { createMemoryKV } from "../kv";

export interface RateLimitOptions extends RateLimitConfig {
  /** Names the limited group in counters and in the 429's detail. @default "api" */
  name?: string;
  /** Whose KV to use when `kv` is not given. @default the default context (memory when it has none) */
  app?: ContextSource;
}

/** A rate-limit middleware: over `maxRequests` per `windowMs` per caller is a 429 `rate-limit-exceeded`. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<CovaraEnv> {
  let fallback: KV | undefined;
  const kv = () => options.kv ?? contextOf(options.app).kv ?? (fallback ??= createMemoryKV());
  return rateLimiter(options.name ?? "api", options, kv);
}
