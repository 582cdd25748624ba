/**
 * The auth middleware: authenticates every request through the strategy, puts the user in
 * `c.get("user")` (null when anonymous) and enforces CSRF when configured. It runs at most once
 * per request, so mounting it app-wide and on the auth router costs one authentication.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { verifyCsrf, type ResolvedCsrf } from "./security/csrf";
import type { AuthenticatedRequest, SessionStrategy } from "./types";

const authenticated = new WeakMap<Request, AuthenticatedRequest | null>();

/** The request's authentication (user and, for server-side sessions, the session); null when anonymous. */
export function getAuthSession(c: Context): AuthenticatedRequest | null {
  return authenticated.get(c.req.raw) ?? null;
}

/** Creates the middleware for one strategy. */
export function createAuthMiddleware(strategy: SessionStrategy, csrf: ResolvedCsrf | null): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    if (!authenticated.has(c.req.raw)) {
      const result = await strategy.authenticate(c);
      authenticated.set(c.req.raw, result);
      c.set("user", result?.user ?? null);
      // Without an Authorization header, an identity can only have come from a cookie.
      if (csrf) verifyCsrf(c, csrf, result !== null && c.req.header("authorization") === undefined);
    } else if (c.get("user") === undefined) {
      c.set("user", authenticated.get(c.req.raw)?.user ?? null);
    }
    await next();
  };
}

/** Forgets the request's authentication (after logout, so later reads see it anonymous). */
export function clearAuthSession(c: Context<CovaraEnv>): void {
  authenticated.set(c.req.raw, null);
  c.set("user", null);
}
