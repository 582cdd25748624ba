/**
 * The admin UI at `/__covara/ui` (mounted by `createCovara`): data explorer, API explorer, audit
 * log, request/error logs, metrics, tasks and auth views, and the admin scope bypass and
 * impersonation the auth contracts define.
 */
export { mountAdmin, ADMIN_BASE } from "./mount";
export type { AdminMountTarget } from "./mount";
export { ADMIN_BYPASS_HEADER, IMPERSONATE_HEADER } from "./bypass";
export { ADMIN_KEY_HEADER } from "./predicate";
export { CSRF_FIELD, CSRF_HEADER } from "./csrf";
export { createMemoryAuditStore } from "./audit";
export { ADMIN_PROBLEM_TYPES } from "./problems";
export type {
  AdminAuditEntry,
  AdminAuditStore,
  AdminErrorLine,
  AdminLogSource,
  AdminMetricLine,
  AdminOptions,
  AdminRequestLine,
  AdminUserManager,
} from "./types";
export type { AdminResource } from "./view";
