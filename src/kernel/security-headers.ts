/**
 * Security headers for every response: HSTS, X-Frame-Options, X-Content-Type-Options: nosniff and
 * Referrer-Policy by default; a Content-Security-Policy only when asked for, since a policy that
 * does not fit the app's frontend breaks it. A header the handler already set is left alone.
 */
import type { MiddlewareHandler } from "hono";
import { deferHeadDefaults, setResponseHeaders } from "./response-headers";

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security (default: 180 days, includeSubDomains); false to omit. */
  hsts?: false | { maxAgeSeconds?: number; includeSubDomains?: boolean; preload?: boolean };
  /** X-Frame-Options (default "DENY"). */
  frameOptions?: false | "DENY" | "SAMEORIGIN";
  /** X-Content-Type-Options: nosniff (default true). */
  noSniff?: boolean;
  /** Referrer-Policy (default "strict-origin-when-cross-origin"). */
  referrerPolicy?: false | string;
  /** Content-Security-Policy: a policy string or directives ({ "default-src": ["'self'"] }); off by default. */
  contentSecurityPolicy?: false | string | Record<string, readonly string[]>;
  /** Send the CSP as Content-Security-Policy-Report-Only instead. */
  cspReportOnly?: boolean;
}

const DEFAULT_HSTS_SECONDS = 180 * 24 * 60 * 60;

function cspText(policy: string | Record<string, readonly string[]>): string {
  if (typeof policy === "string") return policy;
  return Object.entries(policy)
    .map(([directive, sources]) => [directive, ...sources].join(" ").trim())
    .join("; ");
}

/** The header values the options produce, computed once. */
export function securityHeaderValues(options: SecurityHeadersOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.hsts !== false) {
    const hsts = options.hsts ?? {};
    const parts = [`max-age=${Math.max(0, Math.floor(hsts.maxAgeSeconds ?? DEFAULT_HSTS_SECONDS))}`];
    if (hsts.includeSubDomains ?? true) parts.push("includeSubDomains");
    if (hsts.preload) parts.push("preload");
    headers["strict-transport-security"] = parts.join("; ");
  }
  if (options.frameOptions !== false) headers["x-frame-options"] = options.frameOptions ?? "DENY";
  if (options.noSniff !== false) headers["x-content-type-options"] = "nosniff";
  if (options.referrerPolicy !== false)
    headers["referrer-policy"] = options.referrerPolicy ?? "strict-origin-when-cross-origin";
  if (options.contentSecurityPolicy) {
    const name = options.cspReportOnly ? "content-security-policy-report-only" : "content-security-policy";
    headers[name] = cspText(options.contentSecurityPolicy);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(value)) throw new TypeError(`covara: the ${name} header value must not contain line breaks`);
  }
  return headers;
}

/**
 * Middleware adding the security headers to every response. Served by covara's `startServer`,
 * the server adds them as it writes the head (kernel/response-headers.ts: `deferHeadDefaults`),
 * so the response's own headers are never touched; elsewhere they are set on the response.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const values = Object.entries(securityHeaderValues(options));
  return async (c, next) => {
    if (deferHeadDefaults(c, values)) return next();
    await next();
    const missing = values.filter(([name]) => !c.res.headers.has(name));
    if (missing.length > 0) setResponseHeaders(c, missing);
  };
}
