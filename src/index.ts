/** covara — a Drizzle table becomes a complete API: the server-side surface in one import. */
export { createCovara, errorHandler, notFoundHandler, isShuttingDown, onShutdown, requireUser } from "./server";
export type { CovaraApp, CovaraOptions, CovaraTypeInfo, ResourceTypeInfo } from "./server";
export { useResource, defaultExtensions, consoleLogger } from "./server";
export { defineRoute } from "./server";
export type { FileRoutesOptions, RouteContext, RouteHandler, RouteSchema } from "./server";
export { getPrincipal, myTenants, requireClearance, requireRole, resolvePrincipal, tenantScope } from "./server";
export type { Membership, Principal, PrincipalOptions } from "./server";
export type { ContextSource, CovaraContext, Logger } from "./server";
export { readJsonBody, defineProcedure } from "./resource";
export { search } from "./search";
export type { ResourceExtension, ResourceExtensionConfig, ResourceHandle, ResourceMountOptions } from "./resource";
export type { ProcedureDefinition } from "./resource";
export { ResourceRegistry } from "./resource";
export type { RelationConfig, BelongsToRelation, HasRelation, ManyToManyRelation } from "./resource";
export {
  createSqliteFts5Search,
  createPostgresSearch,
  createMemorySearch,
  createOpenSearch,
  drainSearchOutboxes,
  rebuildSearchIndexes,
  setSearchErrorReporter,
  searchOutboxDdl,
  tsvectorExpression,
} from "./search";
export type {
  SearchAdapter,
  SearchConfig,
  SearchIndex,
  DatabaseSearchIndex,
  ExternalSearchIndex,
  SearchTarget,
  SearchDocument,
  SearchHit,
  SearchItem,
  SearchOutboxOptions,
  SqliteFts5Options,
  PostgresSearchOptions,
  OpenSearchOptions,
} from "./search";
export type {
  AnyDatabase,
  ColumnKey,
  CovaraEnv,
  CovaraUser,
  HookContext,
  InsertRow,
  ListResponse,
  ResourceAuthConfig,
  ResourceConfig,
  ResourceHooks,
  ResourceOperation,
  ScopeInput,
  ScopeResolver,
  SelectRow,
} from "./resource";
export { trackMutations, recordExternalMutation, createRealtime, Realtime, subscriptions } from "./realtime";
export type {
  TrackMutationsOptions,
  TrackedTableConfig,
  ExternalMutationOptions,
  RealtimeOptions,
  SubscriptionOptions,
  SubscriptionsExtensionOptions,
  SseEventType,
} from "./realtime";
export { initializeStorage, createLocalStorage, createMemoryStorage, createS3Storage } from "./files";
export type { StorageAdapter, StorageConfig, FileOptions } from "./files";
export { ProblemError, problems, PROBLEM_TYPES, defineProblemTypes } from "./kernel/errors";
export type {
  ProblemDocument,
  ProblemType,
  ProblemTypeDefinition,
  ProblemTypeRegistry,
  ProblemTypeTable,
  ValidationIssue,
} from "./kernel/errors";
export { rsql, isRsqlFilter, parseRsql, defineOperator } from "./kernel/rsql";
export type { RsqlFilter, RsqlNode, OperatorDefinition } from "./kernel/rsql";
export { allowScope, denyScope, andScopes, orScopes } from "./kernel/scope";
export { createEnv, envVariable, usePublicEnv } from "./env";
export type { PublicEnvOf } from "./env";
export type { Scope } from "./kernel/scope";
export { createOIDCProvider } from "./oidc";
export type { OIDCProvider, OIDCProviderOptions, OIDCClient } from "./oidc";
export { createOIDCResourceMiddleware, oidcProviders } from "./oidc";
export type { FederatedProviderConfig } from "./oidc";
