/** covara/server — the app factory, error handling, health and graceful-shutdown state. */
export { createCovara } from "./create-covara";
export type { CovaraApp, CovaraObservabilityOptions, CovaraOptions } from "./create-covara";
export { defaultExtensions, useResource } from "./default-extensions";
export { consoleLogger } from "../kernel/logger";
export type { Logger } from "../kernel/logger";
export type { ContextSource, CovaraContext } from "../kernel/context";
export { createErrorHandler } from "../kernel/error-handler";
export { errorHandler, notFoundHandler, methodNotAllowed, setUnexpectedErrorReporter } from "../kernel/error-handler";
export { isShuttingDown, onShutdown, beginShutdown } from "../kernel/lifecycle";
export type { ShutdownHook } from "../kernel/lifecycle";
export { requireUser } from "../kernel/require-user";
export { securityHeaders, securityHeaderValues } from "../kernel/security-headers";
export type { SecurityHeadersOptions } from "../kernel/security-headers";
export { generateClientTypes, clientTypesFromOpenApi } from "./client-types";
export type { GenerateClientTypesOptions, OpenApiDocument } from "./client-types";
export type { CovaraTypeInfo, ResourceTypeInfo } from "./types";
export {
  createPrincipal,
  getPrincipal,
  myTenants,
  requireClearance,
  requireRole,
  resolvePrincipal,
  tenantScope,
} from "../principal";
export type {
  Membership,
  Principal,
  PrincipalOptions,
  TenantCheckOptions,
  TenantId,
  TenantScopeOptions,
  TenantSelector,
} from "../principal";
export { defineRoute } from "../file-routes";
export type {
  DefinedRoute,
  FileRoutesOptions,
  RawQuery,
  RouteContext,
  RouteHandler,
  RouteInput,
  RouteMethod,
  RouteSchema,
} from "../file-routes";
export { createMemoryAuditStore } from "../admin";
export type {
  AdminAuditEntry,
  AdminAuditStore,
  AdminErrorLine,
  AdminLogSource,
  AdminOptions,
  AdminRequestLine,
  AdminUserManager,
} from "../admin";
