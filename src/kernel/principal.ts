/**
 * The request's principal: who is asking (the user, or nobody), which tenants they belong to,
 * their roles and clearance in each. Built once per request and read by middleware, scopes,
 * hooks and route handlers alike (`c.get("principal")`, `ctx.principal`).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { CovaraEnv, CovaraUser, Membership, Principal, TenantId } from "./http";

export type { Membership, Principal, TenantId };

/** The same tenant whether written as a number or a string (path parameters are strings). */
function sameTenant(a: TenantId, b: TenantId): boolean {
  return String(a) === String(b);
}

function displayName(user: CovaraUser | null): string | null {
  if (!user) return null;
  for (const key of ["name", "username", "email"] as const) {
    const value = user[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

/** Every anonymous request shares one principal: it holds nothing. */
let anonymous: Principal | undefined;

/** Builds a principal from the user and the memberships the app resolved for them. */
export function createPrincipal(user: CovaraUser | null, memberships: readonly Membership[] = []): Principal {
  if (user === null && anonymous !== undefined) return anonymous;
  const held = user ? memberships : [];
  const find = (tenant: TenantId) => held.find((membership) => sameTenant(membership.tenantId, tenant));
  const principal: Principal = {
    isAuthenticated: user !== null,
    user,
    id: user ? user.id : null,
    name: displayName(user),
    memberships: held,
    tenants: held.map((membership) => membership.tenantId),
    highest_clearance: held.reduce((highest, membership) => Math.max(highest, membership.clearance ?? 0), 0),
    clearanceIn: (tenant) => find(tenant)?.clearance ?? 0,
    hasRole: (role, tenant) =>
      tenant === undefined
        ? held.some((membership) => membership.roles?.includes(role))
        : (find(tenant)?.roles?.includes(role) ?? false),
    tenantsWithRole: (role) =>
      held.filter((membership) => membership.roles?.includes(role)).map((membership) => membership.tenantId),
  };
  if (user === null) anonymous = Object.freeze(principal);
  return principal;
}

/**
 * The request's principal: the one the principal middleware resolved, else one built from
 * `c.get("user")` without memberships (an app that configured no resolver), cached on the request.
 */
export function getPrincipal(c: Context<CovaraEnv>): Principal {
  let principal = c.get("principal");
  if (!principal) {
    principal = createPrincipal(c.get("user") ?? null);
    c.set("principal", principal);
  }
  return principal;
}

/** Where a user's tenant memberships come from (`createCovara({ principal })`, `useAuth({ principal })`). */
export interface PrincipalOptions {
  /** The user's tenants with their roles and clearance; called at most once per request, never for anonymous ones. */
  memberships(user: CovaraUser, c: Context<CovaraEnv>): readonly Membership[] | Promise<readonly Membership[]>;
}

/** The options each resolved principal was built with, so a second resolver of the same options keeps it. */
const resolvedWith = new WeakMap<Principal, PrincipalOptions | undefined>();

/**
 * Sets `c.get("principal")`: the user with the memberships `options` resolves (none without
 * options), or the shared anonymous principal. A principal an earlier resolver built for the same
 * user with the same options is kept, so `useAuth({ principal })`'s middleware followed by
 * `createCovara`'s reads the memberships once; a changed user (impersonation, a later
 * `authenticate`) is resolved again.
 */
export function resolvePrincipal(options?: PrincipalOptions): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    const user = c.get("user") ?? null;
    const existing = c.get("principal");
    const current =
      existing !== undefined &&
      existing.user === user &&
      resolvedWith.has(existing) &&
      resolvedWith.get(existing) === options;
    if (!current) {
      const principal = createPrincipal(user, user && options ? await options.memberships(user, c) : []);
      if (user !== null) resolvedWith.set(principal, options);
      c.set("principal", principal);
    }
    await next();
  };
}
