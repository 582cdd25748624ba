/**
 * `requireRole` and `requireClearance`: middleware that lets a request through only when its
 * principal holds a role (or a clearance level), in one tenant or in any. Anonymous requests get
 * 401 `UNAUTHORIZED`; authenticated ones without it 403 `MISSING_ROLE` / `INSUFFICIENT_CLEARANCE`.
 */
import "./problems";
import type { Context, MiddlewareHandler } from "hono";
import { ProblemError, problems } from "../kernel/errors";
import type { CovaraEnv, Principal, TenantId } from "../kernel/http";
import { getPrincipal } from "../kernel/principal";

/** The tenant a check applies to: a fixed id, or one read from the request (a path parameter, a header). */
export type TenantSelector = TenantId | ((c: Context<CovaraEnv>) => TenantId | undefined);

export interface TenantCheckOptions {
  /** Check within this tenant only (default: any of the principal's tenants). */
  tenant?: TenantSelector;
}

/** The tenant the check is about: null for "any", undefined when the request names none. */
function tenantOf(c: Context<CovaraEnv>, selector: TenantSelector | undefined): TenantId | null | undefined {
  if (selector === undefined) return null;
  return typeof selector === "function" ? selector(c) : selector;
}

function authenticated(c: Context<CovaraEnv>): Principal {
  const principal = getPrincipal(c);
  if (!principal.isAuthenticated) throw problems.unauthorized();
  return principal;
}

/** Passes when the principal has `role` (or any of `roles`) in the selected tenant, or in any tenant. */
export function requireRole(
  role: string | readonly string[],
  options: TenantCheckOptions = {},
): MiddlewareHandler<CovaraEnv> {
  const roles = typeof role === "string" ? [role] : role;
  return async (c, next) => {
    const principal = authenticated(c);
    const tenant = tenantOf(c, options.tenant);
    const holds = tenant !== undefined && roles.some((name) => principal.hasRole(name, tenant ?? undefined));
    if (!holds) {
      throw new ProblemError("missing-role", {
        detail: `This operation needs the role ${roles.map((name) => `'${name}'`).join(" or ")}${tenant === null ? "" : " in this tenant"}`,
        extensions: { roles, ...(tenant === null || tenant === undefined ? {} : { tenant }) },
      });
    }
    await next();
  };
}

/** Passes when the principal's clearance (in the selected tenant, else their highest) is at least `level`. */
export function requireClearance(level: number, options: TenantCheckOptions = {}): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    const principal = authenticated(c);
    const tenant = tenantOf(c, options.tenant);
    const held =
      tenant === undefined ? 0 : tenant === null ? principal.highest_clearance : principal.clearanceIn(tenant);
    if (held < level) {
      throw new ProblemError("insufficient-clearance", {
        detail: `This operation needs clearance level ${level}${tenant === null ? "" : " in this tenant"}`,
        extensions: { required: level, ...(tenant === null || tenant === undefined ? {} : { tenant }) },
      });
    }
    await next();
  };
}
