/**
 * defineInternalSchema: points covara's auth stores and migrations at your own tables. Each table
 * override maps covara's logical keys to your columns (a Drizzle column or its property name); every
 * mapping is checked here, once, so a wrong schema fails at startup and never at query time.
 */
import { type Column, getTableColumns, getTableName, is, Table } from "drizzle-orm";
import { getTableConfig as getPgTableConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as getSQLiteTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Dialect } from "../kernel/dialect";
import { builtInTables } from "./internal-tables";

/** The logical keys of each internal table: required ones first, then optional ones. */
export const INTERNAL_TABLE_KEYS = {
  sessions: { required: ["id", "userId", "createdAt", "expiresAt"], optional: ["data"] },
  accounts: {
    required: ["userId", "type", "provider", "providerAccountId"],
    optional: ["refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state"],
  },
  apiKeys: {
    required: ["id", "userId", "name", "keyHash", "keyPrefix", "createdAt"],
    optional: ["scopes", "expiresAt", "lastUsedAt", "revokedAt"],
  },
  verificationTokens: { required: ["identifier", "token", "expires"], optional: [] },
} as const;

export type InternalTableName = keyof typeof INTERNAL_TABLE_KEYS;
type RequiredKey<T extends InternalTableName> = (typeof INTERNAL_TABLE_KEYS)[T]["required"][number];
type OptionalKey<T extends InternalTableName> = (typeof INTERNAL_TABLE_KEYS)[T]["optional"][number];
/** Every logical key of one internal table. */
export type InternalKey<T extends InternalTableName> = RequiredKey<T> | OptionalKey<T>;

/** A logical key's column: the Drizzle column itself (recommended) or its property name on the table. */
export type FieldRef = Column | string;

/** One table override: your table, and which of its columns plays each logical key. */
export interface InternalTableOverride<T extends InternalTableName> {
  table: Table;
  /** Logical key → column; a key left out is looked up under its own name on the table. */
  fieldMap?: Partial<Record<InternalKey<T>, FieldRef>>;
}

/** The input of defineInternalSchema. Omitted tables fall back to the built-in ones. */
export interface InternalSchemaInput {
  dialect: Dialect;
  sessions?: InternalTableOverride<"sessions">;
  accounts?: InternalTableOverride<"accounts">;
  apiKeys?: InternalTableOverride<"apiKeys">;
  verificationTokens?: InternalTableOverride<"verificationTokens">;
  /** Your migration tool owns these tables; migrateInternal does nothing. */
  managedExternally?: boolean;
}

/** A table with every logical key resolved to a column; what the Drizzle stores take as `resolver`. */
export interface ResolvedInternalTable<T extends InternalTableName> {
  readonly kind: T;
  readonly dialect: Dialect;
  readonly table: Table;
  /** The SQL table name. */
  readonly name: string;
  readonly columns: Readonly<Record<RequiredKey<T>, Column> & Partial<Record<OptionalKey<T>, Column>>>;
  /** True when the table came from an override rather than the built-in definition. */
  readonly overridden: boolean;
  /** True when the primary key spans several columns (generated DDL cannot cover it). */
  readonly compoundPrimaryKey: boolean;
}

/** Any resolved table, whatever its kind (for code that walks all four). */
export interface AnyResolvedInternalTable {
  readonly kind: InternalTableName;
  readonly dialect: Dialect;
  readonly table: Table;
  readonly name: string;
  readonly columns: Readonly<Partial<Record<string, Column>>>;
  readonly overridden: boolean;
  readonly compoundPrimaryKey: boolean;
}

/** The validated bundle defineInternalSchema returns (for stores, migrateInternal and createCovara). */
export interface InternalSchema {
  readonly dialect: Dialect;
  readonly managedExternally: boolean;
  readonly sessions: ResolvedInternalTable<"sessions">;
  readonly accounts: ResolvedInternalTable<"accounts">;
  readonly apiKeys: ResolvedInternalTable<"apiKeys">;
  readonly verificationTokens: ResolvedInternalTable<"verificationTokens">;
}

/** A schema that cannot work: names the logical key and what is wrong with it. */
export class InternalSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalSchemaError";
  }
}

const TABLE_NAMES = Object.keys(INTERNAL_TABLE_KEYS) as InternalTableName[];

/** Validates table overrides and field maps at construction time and resolves every logical key to a column. */
export function defineInternalSchema(input: InternalSchemaInput): InternalSchema {
  if (input === null || typeof input !== "object")
    throw new InternalSchemaError("internalSchema: expected an options object");
  const dialect = input.dialect;
  if (dialect !== "sqlite" && dialect !== "pg") {
    throw new InternalSchemaError(`internalSchema.dialect: expected "sqlite" or "pg", got ${JSON.stringify(dialect)}`);
  }
  for (const key of Object.keys(input)) {
    if (key !== "dialect" && key !== "managedExternally" && !(TABLE_NAMES as string[]).includes(key)) {
      throw new InternalSchemaError(`internalSchema.${key}: unknown table (expected one of ${TABLE_NAMES.join(", ")})`);
    }
  }
  return {
    dialect,
    managedExternally: input.managedExternally === true,
    sessions: resolveTable("sessions", dialect, input.sessions),
    accounts: resolveTable("accounts", dialect, input.accounts),
    apiKeys: resolveTable("apiKeys", dialect, input.apiKeys),
    verificationTokens: resolveTable("verificationTokens", dialect, input.verificationTokens),
  };
}

/** The built-in table of one kind for a dialect, resolved (what stores use without a resolver). */
export function builtInInternalTable<T extends InternalTableName>(kind: T, dialect: Dialect): ResolvedInternalTable<T> {
  return resolveTable(kind, dialect, undefined);
}

function resolveTable<T extends InternalTableName>(
  kind: T,
  dialect: Dialect,
  override: InternalTableOverride<T> | undefined,
): ResolvedInternalTable<T> {
  const path = `internalSchema.${kind}`;
  const overridden = override !== undefined;
  if (overridden && (override === null || typeof override !== "object")) {
    throw new InternalSchemaError(`${path}: expected { table, fieldMap? }`);
  }
  const table: unknown = overridden ? override.table : builtInTables[dialect][kind];
  if (!is(table, Table)) throw new InternalSchemaError(`${path}.table: expected a Drizzle table`);
  if (dialect === "sqlite" ? !is(table, SQLiteTable) : !is(table, PgTable)) {
    throw new InternalSchemaError(
      `${path}.table: "${getTableName(table)}" is not a ${dialect === "sqlite" ? "SQLite" : "Postgres"} table, but the schema's dialect is "${dialect}"`,
    );
  }
  const name = getTableName(table);
  const properties = getTableColumns(table);
  const fieldMap: Record<string, unknown> = overridden ? { ...(override.fieldMap ?? {}) } : {};
  const { required, optional } = INTERNAL_TABLE_KEYS[kind];
  const known: readonly string[] = [...required, ...optional];
  for (const key of Object.keys(fieldMap)) {
    if (!known.includes(key)) {
      throw new InternalSchemaError(
        `${path}.fieldMap.${key}: unknown logical key (expected one of ${known.join(", ")})`,
      );
    }
  }

  const columns: Record<string, Column> = {};
  const claimedBy = new Map<Column, string>();
  for (const key of known) {
    const isRequired = (required as readonly string[]).includes(key);
    const column = resolveColumn({
      path: `${path}.${key}`,
      key,
      ref: fieldMap[key],
      table,
      name,
      properties,
      isRequired,
    });
    if (column === undefined) continue;
    const other = claimedBy.get(column);
    if (other !== undefined) {
      throw new InternalSchemaError(`${path}.${key}: column "${column.name}" is already mapped to ${other}`);
    }
    claimedBy.set(column, key);
    columns[key] = column;
  }
  return {
    kind,
    dialect,
    table,
    name,
    columns: columns as ResolvedInternalTable<T>["columns"],
    overridden,
    compoundPrimaryKey: hasCompoundPrimaryKey(table, dialect),
  };
}

interface ColumnLookup {
  path: string;
  key: string;
  ref: unknown;
  table: Table;
  name: string;
  properties: Record<string, Column>;
  isRequired: boolean;
}

/** One logical key's column, or undefined for an optional key the table does not have. */
function resolveColumn(lookup: ColumnLookup): Column | undefined {
  const { path, key, ref, table, name, properties, isRequired } = lookup;
  const missing = isRequired ? "required column not found" : "column not found";
  if (ref === undefined) {
    const column = properties[key];
    if (column !== undefined) return column;
    if (!isRequired) return undefined;
    throw new InternalSchemaError(
      `${path}: ${missing} on table "${name}" (it has no property "${key}"; map one with fieldMap.${key})`,
    );
  }
  if (typeof ref === "string") {
    const column = properties[ref];
    if (column === undefined) {
      throw new InternalSchemaError(
        `${path}: ${missing} on table "${name}" (fieldMap.${key} names property "${ref}", which it does not have)`,
      );
    }
    return column;
  }
  if (isColumn(ref)) {
    if (ref.table !== table) {
      const owner = is(ref.table, Table) ? `"${getTableName(ref.table)}"` : "another table";
      throw new InternalSchemaError(`${path}: column "${ref.name}" belongs to table ${owner}, not to "${name}"`);
    }
    return ref;
  }
  throw new InternalSchemaError(`${path}: fieldMap.${key} must be a Drizzle column of "${name}" or a property name`);
}

function isColumn(value: unknown): value is Column {
  return value !== null && typeof value === "object" && "table" in value && "name" in value && "columnType" in value;
}

function hasCompoundPrimaryKey(table: Table, dialect: Dialect): boolean {
  const config = dialect === "pg" ? getPgTableConfig(table as PgTable) : getSQLiteTableConfig(table as SQLiteTable);
  if (config.primaryKeys.some((pk) => pk.columns.length > 1)) return true;
  return config.primaryKeys.length === 0 && config.columns.filter((column) => column.primary).length > 1;
}

/** A plain summary of the schema (table names, overrides, logical key → column name), for introspection. */
export function describeInternalSchema(
  schema: InternalSchema,
): Record<InternalTableName, { table: string; overridden: boolean; columns: Record<string, string> }> {
  const describeOne = (resolved: AnyResolvedInternalTable) => ({
    table: resolved.name,
    overridden: resolved.overridden,
    columns: Object.fromEntries(
      Object.entries(resolved.columns).flatMap(([key, column]) => (column === undefined ? [] : [[key, column.name]])),
    ),
  });
  return {
    sessions: describeOne(schema.sessions),
    accounts: describeOne(schema.accounts),
    apiKeys: describeOne(schema.apiKeys),
    verificationTokens: describeOne(schema.verificationTokens),
  };
}

// Which app was given which bundle: createCovara records it; tooling reads it back. A WeakMap so the
// app object carries no extra property and a dropped app frees its entry.
const recorded = new WeakMap<object, InternalSchema>();

/** Records the internal schema an app was created with (createCovara does this); stores are not rewired. */
export function recordInternalSchema(app: object, schema: InternalSchema): void {
  recorded.set(app, schema);
}

/** The internal schema an app was created with, for migration and introspection; undefined when none. */
export function getInternalSchema(app: object): InternalSchema | undefined {
  return recorded.get(app);
}
