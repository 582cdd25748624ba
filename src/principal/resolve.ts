/**
 * The middleware that builds each request's principal from its user and the memberships the app
 * resolves for them, once per request: every later reader (role checks, scopes, hooks, route
 * handlers) gets the same object.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { CovaraEnv, CovaraUser, Membership } from "../kernel/http";
import { createPrincipal } from "../kernel/principal";

/** Where a user's tenant memberships come from (`createCovara({ principal })`). */
export interface PrincipalOptions {
  /** The user's tenants with their roles and clearance; called at most once per request, never for anonymous ones. */
  memberships(user: CovaraUser, c: Context<CovaraEnv>): readonly Membership[] | Promise<readonly Membership[]>;
}

/**
 * Sets `c.get("principal")`: the user with the memberships `options` resolves (none without
 * options), or the shared anonymous principal.
 */
export function resolvePrincipal(options?: PrincipalOptions): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    const user = c.get("user") ?? null;
    c.set("principal", createPrincipal(user, user && options ? await options.memberships(user, c) : []));
    await next();
  };
}
