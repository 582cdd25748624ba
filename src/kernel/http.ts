/** The request-level types every layer shares: the Hono environment and the user identity in it. */
import type { TraceContext } from "./trace-context";

/** The authenticated principal. Auth middleware puts one in `c.get("user")`. */
export interface CovaraUser {
  id: string | number;
  [key: string]: unknown;
}

/** A tenant's id, as the app's tables store it. */
export type TenantId = string | number;

/** One tenant the user belongs to: their roles in it and their clearance level there. */
export interface Membership {
  tenantId: TenantId;
  roles?: readonly string[];
  /** The user's clearance level in this tenant (0 when omitted). */
  clearance?: number;
}

/** The authenticated principal (or the anonymous one) of a request. */
export interface Principal {
  readonly isAuthenticated: boolean;
  readonly user: CovaraUser | null;
  /** The user's id; null when anonymous. */
  readonly id: CovaraUser["id"] | null;
  /** The user's display name: `name`, else `username`, else `email`; null when none. */
  readonly name: string | null;
  readonly memberships: readonly Membership[];
  /** The ids of every tenant the user belongs to. */
  readonly tenants: readonly TenantId[];
  /** The highest clearance level across the user's tenants (0 without any). */
  readonly highest_clearance: number;
  /** The user's clearance in `tenant` (0 when not a member). */
  clearanceIn(tenant: TenantId): number;
  /** Whether the user has `role` in `tenant`, or in any tenant when `tenant` is omitted. */
  hasRole(role: string, tenant?: TenantId): boolean;
  /** The tenants in which the user has `role`. */
  tenantsWithRole(role: string): TenantId[];
}

/** The request variables of every covara app (`c.get(...)`); features add theirs by declaration merging. */
export interface CovaraVariables {
  user?: CovaraUser | null;
  /** The request's W3C trace, set by the observability middleware. */
  trace?: TraceContext;
  /** The user with their tenant memberships; read it with `getPrincipal(c)`, which fills it in when no middleware did. */
  principal?: Principal;
  /**
   * The real authenticated user while an admin impersonates `user` (x-covara-impersonate);
   * undefined otherwise. Audit entries name both.
   */
  impersonator?: CovaraUser | null;
}

/** Hono environment of every covara app and resource router. */
export interface CovaraEnv {
  Variables: CovaraVariables;
}
