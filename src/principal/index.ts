/** The request principal: tenant memberships, role and clearance checks, tenant scopes. */
export { createPrincipal, getPrincipal, resolvePrincipal, type PrincipalOptions } from "../kernel/principal";
export type { Membership, Principal, TenantId } from "../kernel/http";
export { PRINCIPAL_PROBLEM_TYPES } from "./problems";
export { requireClearance, requireRole, type TenantCheckOptions, type TenantSelector } from "./require";
export { myTenants, tenantScope, type TenantScopeOptions } from "./scopes";
