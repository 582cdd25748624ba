/** The resource layer: a Drizzle table's generated REST endpoints. Internal; re-exported by covara. */
export { useResource, createResourceRouter } from "./use-resource";
export type { MountedRouter, ResourceMountOptions } from "./use-resource";
export type {
  AnyHookContext,
  OpenApiPathItem,
  OpenApiShared,
  ResourceExtension,
  ResourceExtensionConfig,
  ResourceHandle,
  ResourcePage,
} from "./extension";
export { buildOpenApiDocument } from "./openapi";
export type { MountedResource } from "./openapi";
export { defineProcedure } from "./procedures";
export type { ProcedureDefinition } from "./types";
export { readJsonBody, readJsonObject } from "../kernel/body";
export { dialectOf } from "../kernel/dialect";
export { ResourceRegistry } from "./relations/registry";
export type { RelationConfig, BelongsToRelation, HasRelation, ManyToManyRelation } from "./relations/types";
export type { AnyDatabase, Dialect } from "../kernel/dialect";
export type {
  AnyResponseRow,
  ComputedField,
  CreateBody,
  GeneratedField,
  HookContext,
  InsertRow,
  ListResponse,
  ProcedureFactory,
  ProcedureMap,
  ResponseRow,
  TableColumn,
  ResourceAuthConfig,
  ResourceConfig,
  ResourceHooks,
  ResourceOperation,
  ScopeResolver,
  SelectRow,
} from "./types";
export type { ColumnKey } from "../kernel/table-types";
export type { ScopeInput } from "../kernel/scope";
export type { CovaraEnv, CovaraUser } from "../kernel/http";
