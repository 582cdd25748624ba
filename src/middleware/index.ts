/**
 * covara/middleware — Hono middleware to put on any route of a covara app: API versioning,
 * idempotency keys for POST/PATCH, and the rate limiter. (The observability middleware lives in
 * covara/observability with the log and metrics it feeds; createCovara installs it.)
 */
export { apiVersion } from "./api-version";
export type { ApiVersionOptions } from "./api-version";
export { idempotency } from "./idempotency";
export type { IdempotencyOptions } from "./idempotency";
export { rateLimit } from "./rate-limit";
export type { RateLimitOptions } from "./rate-limit";
export { MIDDLEWARE_PROBLEM_TYPES } from "./problems";
