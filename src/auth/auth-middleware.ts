/**
 * The auth middleware: authenticates every request through the strategy, puts the user in
 * `c.get("user")` (null when anonymous) and enforces CSRF when configured. It runs at most once
 * per request, so mounting it app-wide and on the auth router costs one authentication.
 */
import type { Context, MiddlewareHandler } from "hono";
import { credentialHeaders, recordRequestIdentity, type ReauthenticatedIdentity } from "../kernel/identity-events";
import type { CovaraEnv } from "../kernel/http";
import { verifyCsrf, type ResolvedCsrf } from "./security/csrf";
import type { AuthenticatedRequest, SessionStrategy } from "./types";

const authenticated = new WeakMap<Request, AuthenticatedRequest | null>();

/** The request's authentication (user and, for server-side sessions, the session); null when anonymous. */
export function getAuthSession(c: Context): AuthenticatedRequest | null {
  return authenticated.get(c.req.raw) ?? null;
}

/** The session id a strategy revokes this authentication by, if any. */
function sessionIdOf(result: AuthenticatedRequest): string | null {
  return result.session?.id ?? result.sessionId ?? null;
}

/**
 * Records how the request was authenticated, so that an open subscription stream can re-run the
 * same authentication later (and hear when its session is revoked) without keeping the request.
 */
function rememberIdentity(c: Context, strategy: SessionStrategy, result: AuthenticatedRequest): void {
  recordRequestIdentity(c.req.raw, {
    userId: String(result.user.id),
    sessionId: sessionIdOf(result),
    credentials: credentialHeaders(c.req.raw),
    async reauthenticate(fresh): Promise<ReauthenticatedIdentity | null> {
      const again = await strategy.authenticate(fresh as Context<CovaraEnv>);
      return again === null ? null : { user: again.user, sessionId: sessionIdOf(again) };
    },
  });
}

/** Creates the middleware for one strategy. */
export function createAuthMiddleware(
  strategy: SessionStrategy,
  csrf: ResolvedCsrf | null,
): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    if (!authenticated.has(c.req.raw)) {
      const result = await strategy.authenticate(c);
      authenticated.set(c.req.raw, result);
      c.set("user", result?.user ?? null);
      if (result !== null) rememberIdentity(c, strategy, result);
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
