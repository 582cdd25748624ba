/**
 * Scopes over the principal's tenants, so a resource can say "rows of my tenants" in one line:
 * `auth: { read: tenantScope("tenantId") }`, or inside a larger filter
 * ``rsql`${myTenants(c, "tenantId")};status==published` ``.
 */
import type { Context } from "hono";
import type { CovaraEnv, CovaraUser, TenantId } from "../kernel/http";
import { getPrincipal } from "../kernel/principal";
import { RsqlFilter, rsql } from "../kernel/rsql";

export interface TenantScopeOptions {
  /** Only the tenants where the principal has this role (or one of these roles). */
  role?: string | readonly string[];
  /** Only the tenants where the principal's clearance is at least this. */
  clearance?: number;
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function checkedField(column: string): string {
  if (!FIELD.test(column)) throw new TypeError(`covara: tenant scope column "${column}" is not a field name`);
  return column;
}

/** The principal's tenants that satisfy the options. */
function tenantsFor(c: Context<CovaraEnv>, options: TenantScopeOptions): TenantId[] {
  const principal = getPrincipal(c);
  const roles =
    options.role === undefined ? undefined : typeof options.role === "string" ? [options.role] : options.role;
  const minimum = options.clearance;
  return principal.memberships
    .filter((membership) => roles === undefined || roles.some((role) => membership.roles?.includes(role)))
    .filter((membership) => minimum === undefined || (membership.clearance ?? 0) >= minimum)
    .map((membership) => membership.tenantId);
}

/**
 * RSQL for "`column` is one of my tenants". Without any tenant it matches no row (a filter that
 * contradicts itself), so it still composes inside a larger `rsql` filter.
 */
export function myTenants(c: Context<CovaraEnv>, column: string, options: TenantScopeOptions = {}): RsqlFilter {
  const field = checkedField(column);
  const tenants = tenantsFor(c, options);
  if (tenants.length === 0) return new RsqlFilter(`${field}=isnull=true;${field}=notnull=true`);
  return new RsqlFilter(`${field}=in=${rsql`${tenants}`.text}`);
}

/** A resource scope resolver: the rows whose `column` is one of the principal's (qualifying) tenants. */
export function tenantScope(
  column: string,
  options: TenantScopeOptions = {},
): (user: CovaraUser, c: Context<CovaraEnv>) => RsqlFilter {
  checkedField(column);
  return (_user, c) => myTenants(c, column, options);
}
