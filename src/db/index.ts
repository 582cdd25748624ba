/** covara/db — create tables from Drizzle schemas without drizzle-kit, detect the dialect, seed rows, and the built-in auth tables with their migration. */
export { createTablesSql } from "./ddl";
export type { Casing, DdlOptions } from "./ddl";
export type { Dialect as SqlDialect } from "../kernel/dialect";
export { detectDialect, pushTables, seedTable } from "./push";
export { PoolTimeoutError, withAcquireTimeout } from "./acquire-timeout";
export type { PostgresJsClient } from "./acquire-timeout";
export type { DrizzleDatabase } from "./push";
export {
  authSessions,
  authAccounts,
  authApiKeys,
  authVerificationTokens,
  authSessionsSqlite,
  authAccountsSqlite,
  authApiKeysSqlite,
  authVerificationTokensSqlite,
  authSessionsPg,
  authAccountsPg,
  authApiKeysPg,
  authVerificationTokensPg,
} from "./internal-tables";
export {
  defineInternalSchema,
  builtInInternalTable,
  describeInternalSchema,
  getInternalSchema,
  recordInternalSchema,
  InternalSchemaError,
  INTERNAL_TABLE_KEYS,
} from "./internal-schema";
export type {
  AnyResolvedInternalTable,
  FieldRef,
  InternalKey,
  InternalSchema,
  InternalSchemaInput,
  InternalTableName,
  InternalTableOverride,
  ResolvedInternalTable,
} from "./internal-schema";
export { migrateInternal, internalMigrationStatements } from "./migrate-internal";
export type { MigrateInternalOptions, MigrateInternalResult } from "./migrate-internal";
export { canonicalInternalDdl } from "./internal-ddl";
