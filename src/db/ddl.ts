/**
 * DDL from Drizzle tables without drizzle-kit: `CREATE TABLE/INDEX IF NOT EXISTS` statements for
 * SQLite and Postgres, built from the column and table metadata Drizzle keeps at runtime. Meant for
 * tests, demos and first boots; it creates what is missing and never alters what exists.
 * Reference cycles between tables are not split into ALTER TABLE statements: Postgres needs
 * acyclic references here (SQLite does not check them at creation).
 */
import { type Column, getTableName, is, SQL, sql, Table } from "drizzle-orm";
import { CasingCache } from "drizzle-orm/casing";
import type { Dialect } from "../kernel/dialect";
import {
  getTableConfig as getPgTableConfig,
  IndexedColumn,
  type Index as PgIndex,
  PgArray,
  PgDialect,
  PgEnumColumn,
  PgEnumObjectColumn,
  PgTable,
} from "drizzle-orm/pg-core";
import {
  getTableConfig as getSQLiteTableConfig,
  type Index as SQLiteIndex,
  SQLiteBaseInteger,
  type SQLiteDialect,
  SQLiteSyncDialect,
  SQLiteTable,
} from "drizzle-orm/sqlite-core";

export type Casing = "snake_case" | "camelCase";

export interface DdlOptions {
  /** The `casing` the Drizzle database was created with, for columns declared without a name. */
  casing?: Casing;
}

/** Renders names and SQL fragments the way the target database's Drizzle dialect does. */
export interface Renderer {
  dialect: Dialect;
  casing: CasingCache;
  sqlDialect: SQLiteDialect | PgDialect;
}

interface TableModel {
  table: Table;
  schema: string | undefined;
  name: string;
  columns: Column[];
  primaryKeys: { name: string; columns: Column[] }[];
  uniques: { name: string | undefined; columns: Column[]; nullsNotDistinct: boolean }[];
  foreignKeys: {
    name: string;
    columns: Column[];
    foreignTable: Table;
    foreignColumns: Column[];
    onDelete: string | undefined;
    onUpdate: string | undefined;
  }[];
  checks: { name: string; value: SQL }[];
  indexes: (SQLiteIndex | PgIndex)[];
}

interface PgEnumInfo {
  enumName: string;
  enumValues: string[];
  schema?: string | undefined;
}

/** `CREATE ... IF NOT EXISTS` statements for the tables, dependencies first, indexes last. */
export function createTablesSql(tables: Table[], dialect: Dialect, options: DdlOptions = {}): string[] {
  return buildStatements(tables, createRenderer(dialect, options));
}

/** A renderer with a fresh Drizzle dialect for `dialect`. */
export function createRenderer(dialect: Dialect, options: DdlOptions = {}): Renderer {
  const config = { casing: options.casing };
  return {
    dialect,
    casing: new CasingCache(options.casing),
    sqlDialect: dialect === "pg" ? new PgDialect(config) : new SQLiteSyncDialect(config),
  };
}

/** The statements for `tables`, rendered by `r` (pushTables passes the database's own dialect). */
export function buildStatements(tables: Table[], r: Renderer): string[] {
  const models = orderByDependencies(tables.map((table) => describeTable(table, r.dialect)));
  const statements: string[] = [];
  if (r.dialect === "pg") {
    const schemas = new Set<string>();
    const enums = new Map<string, PgEnumInfo>();
    for (const model of models) {
      if (model.schema !== undefined) schemas.add(model.schema);
      for (const column of model.columns) {
        const info = enumOf(elementColumn(column));
        if (info === undefined) continue;
        if (info.schema !== undefined) schemas.add(info.schema);
        enums.set(qualified(info.schema, info.enumName), info);
      }
    }
    for (const schema of schemas) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
    for (const [name, info] of enums) {
      const values = info.enumValues.map(literalString).join(", ");
      // Postgres has no CREATE TYPE IF NOT EXISTS; swallowing duplicate_object is the idiom.
      statements.push(
        `DO $$ BEGIN CREATE TYPE ${name} AS ENUM (${values}); EXCEPTION WHEN duplicate_object THEN null; END $$`,
      );
    }
  }
  for (const model of models) statements.push(createTableSql(model, r));
  for (const model of models) {
    for (const index of model.indexes) statements.push(createIndexSql(model, index, r));
  }
  return statements;
}

function describeTable(table: Table, dialect: Dialect): TableModel {
  if (dialect === "pg") {
    if (!is(table, PgTable)) throw new Error(`createTablesSql: ${describe(table)} is not a Postgres table`);
    const config = getPgTableConfig(table);
    return {
      table,
      schema: config.schema,
      name: config.name,
      columns: config.columns,
      primaryKeys: config.primaryKeys.map((pk) => ({ name: pk.getName(), columns: pk.columns })),
      uniques: config.uniqueConstraints.map((u) => ({
        name: u.getName(),
        columns: u.columns,
        nullsNotDistinct: u.nullsNotDistinct,
      })),
      foreignKeys: config.foreignKeys.map((fk) => ({
        ...fk.reference(),
        name: fk.getName(),
        onDelete: fk.onDelete,
        onUpdate: fk.onUpdate,
      })),
      checks: config.checks.map((c) => ({ name: c.name, value: c.value })),
      indexes: config.indexes,
    };
  }
  if (!is(table, SQLiteTable)) throw new Error(`createTablesSql: ${describe(table)} is not a SQLite table`);
  const config = getSQLiteTableConfig(table);
  return {
    table,
    schema: undefined,
    name: config.name,
    columns: config.columns,
    primaryKeys: config.primaryKeys.map((pk) => ({ name: pk.getName(), columns: pk.columns })),
    uniques: config.uniqueConstraints.map((u) => ({ name: u.getName(), columns: u.columns, nullsNotDistinct: false })),
    foreignKeys: config.foreignKeys.map((fk) => ({
      ...fk.reference(),
      name: fk.getName(),
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
    })),
    checks: config.checks.map((c) => ({ name: c.name, value: c.value })),
    indexes: config.indexes,
  };
}

/**
 * Puts referenced tables before the tables that reference them (Postgres checks a REFERENCES
 * target at creation). Tables in a reference cycle keep their given order.
 */
function orderByDependencies(models: TableModel[]): TableModel[] {
  const byTable = new Map(models.map((m) => [m.table, m]));
  const ordered: TableModel[] = [];
  const state = new Map<TableModel, "visiting" | "done">();
  const visit = (model: TableModel) => {
    if (state.has(model)) return;
    state.set(model, "visiting");
    for (const fk of model.foreignKeys) {
      const target = byTable.get(fk.foreignTable);
      if (target !== undefined && target !== model) visit(target);
    }
    state.set(model, "done");
    ordered.push(model);
  };
  models.forEach(visit);
  return ordered;
}

function createTableSql(model: TableModel, r: Renderer): string {
  const compositePk = model.primaryKeys.length > 0;
  const lines = model.columns.map((column) => columnSql(column, r, compositePk));
  for (const pk of model.primaryKeys) {
    lines.push(`CONSTRAINT ${quote(pk.name)} PRIMARY KEY (${columnList(pk.columns, r)})`);
  }
  for (const column of model.columns) {
    if (!column.isUnique) continue;
    const nulls = column.uniqueType === "not distinct" ? " NULLS NOT DISTINCT" : "";
    lines.push(`${constraintName(column.uniqueName)}UNIQUE${nulls} (${quote(r.casing.getColumnCasing(column))})`);
  }
  for (const unique of model.uniques) {
    const nulls = unique.nullsNotDistinct ? " NULLS NOT DISTINCT" : "";
    lines.push(`${constraintName(unique.name)}UNIQUE${nulls} (${columnList(unique.columns, r)})`);
  }
  for (const fk of model.foreignKeys) {
    const target = tableName(fk.foreignTable, r.dialect);
    let line = `CONSTRAINT ${quote(fk.name)} FOREIGN KEY (${columnList(fk.columns, r)}) REFERENCES ${target}(${columnList(fk.foreignColumns, r)})`;
    if (fk.onDelete !== undefined) line += ` ON DELETE ${fk.onDelete.toUpperCase()}`;
    if (fk.onUpdate !== undefined) line += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
    lines.push(line);
  }
  for (const check of model.checks) {
    lines.push(`CONSTRAINT ${quote(check.name)} CHECK (${renderSql(check.value, r)})`);
  }
  return `CREATE TABLE IF NOT EXISTS ${qualified(model.schema, model.name)} (\n  ${lines.join(",\n  ")}\n)`;
}

function columnSql(column: Column, r: Renderer, compositePk: boolean): string {
  const parts = [quote(r.casing.getColumnCasing(column)), columnType(column)];
  const identity = column.generatedIdentity;
  if (r.dialect === "pg" && identity !== undefined) {
    parts.push(
      `GENERATED ${identity.type === "always" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY${sequenceOptions(identity.sequenceOptions)}`,
    );
  }
  if (column.primary && !compositePk) {
    parts.push("PRIMARY KEY");
    if (r.dialect === "sqlite" && is(column, SQLiteBaseInteger) && column.autoIncrement) parts.push("AUTOINCREMENT");
  }
  if (column.notNull) parts.push("NOT NULL");
  const generated = column.generated;
  if (generated !== undefined) {
    const expression = typeof generated.as === "function" ? generated.as() : generated.as;
    const rendered = is(expression, SQL) ? renderSql(expression, r) : literal(expression, column, r);
    const storage = r.dialect === "pg" || generated.mode === "stored" ? "STORED" : "VIRTUAL";
    parts.push(`GENERATED ALWAYS AS (${rendered}) ${storage}`);
  } else if (column.default !== undefined && identity === undefined) {
    parts.push(`DEFAULT ${literal(column.default, column, r)}`);
  }
  return parts.join(" ");
}

/** The SQL type; enum types are schema-qualified and quoted, which getSQLType() does not do. */
function columnType(column: Column): string {
  const info = enumOf(column);
  if (info !== undefined) return qualified(info.schema, info.enumName);
  if (is(column, PgArray) && enumOf(elementColumn(column)) !== undefined) {
    return `${columnType(column.baseColumn)}[${typeof column.size === "number" ? column.size : ""}]`;
  }
  return column.getSQLType();
}

/** The element column of a (possibly nested) array column, or the column itself. */
function elementColumn(column: Column): Column {
  return is(column, PgArray) ? elementColumn(column.baseColumn) : column;
}

function enumOf(column: Column): PgEnumInfo | undefined {
  if (is(column, PgEnumColumn) || is(column, PgEnumObjectColumn)) return column.enum as PgEnumInfo;
  return undefined;
}

function sequenceOptions(options: Record<string, unknown> | undefined): string {
  if (options === undefined) return "";
  const parts: string[] = [];
  if (options.increment !== undefined) parts.push(`INCREMENT BY ${Number(options.increment)}`);
  if (options.minValue !== undefined) parts.push(`MINVALUE ${Number(options.minValue)}`);
  if (options.maxValue !== undefined) parts.push(`MAXVALUE ${Number(options.maxValue)}`);
  if (options.startWith !== undefined) parts.push(`START WITH ${Number(options.startWith)}`);
  if (options.cache !== undefined) parts.push(`CACHE ${Number(options.cache)}`);
  if (options.cycle === true) parts.push("CYCLE");
  return parts.length === 0 ? "" : ` (${parts.join(" ")})`;
}

function createIndexSql(model: TableModel, index: SQLiteIndex | PgIndex, r: Renderer): string {
  const config = index.config;
  const target = qualified(model.schema, model.name);
  const where = config.where === undefined ? "" : ` WHERE ${renderSql(config.where, r)}`;
  if (r.dialect === "sqlite") {
    const c = config as SQLiteIndex["config"];
    const columns = c.columns.map((col) =>
      is(col, SQL) ? `(${renderSql(col, r)})` : quote(r.casing.getColumnCasing(col)),
    );
    return `CREATE ${c.unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quote(c.name)} ON ${target} (${columns.join(", ")})${where}`;
  }
  const c = config as PgIndex["config"];
  const names: string[] = [];
  const columns = c.columns.map((col) => {
    if (is(col, SQL)) return `(${renderSql(col, r)})`;
    if (!is(col, IndexedColumn)) throw new Error(`createTablesSql: unsupported index column on "${model.name}"`);
    const name = indexedColumnName(model, col, r);
    names.push(name);
    const { opClass, order, nulls } = col.indexConfig ?? {};
    // Spell out only what differs from Postgres' defaults: hash, GIN and friends reject ASC/NULLS.
    const descending = order === "desc";
    const defaultNulls = descending ? "first" : "last";
    return [
      quote(name),
      opClass,
      descending ? "DESC" : undefined,
      nulls && nulls !== defaultNulls ? `NULLS ${nulls.toUpperCase()}` : undefined,
    ]
      .filter(Boolean)
      .join(" ");
  });
  if (c.name === undefined && names.length < c.columns.length) {
    throw new Error(`createTablesSql: an index on "${model.name}" over an expression needs a name`);
  }
  // Drizzle-kit's naming for unnamed indexes, so both tools agree on what exists.
  const name = c.name ?? `${model.name}_${names.join("_")}_index`;
  const using = c.method !== undefined && c.method !== "btree" ? ` USING ${c.method}` : "";
  const withClause =
    c.with === undefined
      ? ""
      : ` WITH (${Object.entries(c.with)
          .map(([k, v]) => `${k} = ${String(v)}`)
          .join(", ")})`;
  return (
    `CREATE ${c.unique ? "UNIQUE " : ""}INDEX ${c.concurrently ? "CONCURRENTLY " : ""}IF NOT EXISTS ${quote(name)} ` +
    `ON ${c.only ? "ONLY " : ""}${target}${using} (${columns.join(", ")})${withClause}${where}`
  );
}

/** Index columns carry only a name; map it back to the table's column so casing applies. */
function indexedColumnName(model: TableModel, indexed: IndexedColumn, r: Renderer): string {
  const column = model.columns.find((c) => c.name === indexed.name);
  if (column !== undefined) return r.casing.getColumnCasing(column);
  if (indexed.name === undefined) throw new Error(`createTablesSql: an index column on "${model.name}" has no name`);
  return indexed.name;
}

/** A SQL fragment with inline literals and bare column names, as DDL needs them. */
function renderSql(fragment: SQL, r: Renderer): string {
  // Wrapping keeps the caller's SQL object unmutated; inlining reaches nested fragments.
  return r.sqlDialect.sqlToQuery(sql`${fragment}`.inlineParams(), "indexes").sql;
}

/** A default or generated value as a SQL literal, after the column's own driver mapping. */
function literal(value: unknown, column: Column, r: Renderer): string {
  if (is(value, SQL)) return `(${renderSql(value, r)})`;
  const mapped = value === null ? null : column.mapToDriverValue(value);
  if (is(mapped, SQL)) return `(${renderSql(mapped, r)})`;
  if (mapped === null || mapped === undefined) return "NULL";
  if (typeof mapped === "boolean") return r.dialect === "pg" ? String(mapped).toUpperCase() : mapped ? "1" : "0";
  if (typeof mapped === "number") {
    if (!Number.isFinite(mapped)) throw new Error(`createTablesSql: default ${mapped} has no SQL literal`);
    return String(mapped);
  }
  if (typeof mapped === "bigint") return mapped.toString();
  if (typeof mapped === "string") return literalString(mapped);
  if (mapped instanceof Uint8Array) {
    const hex = Array.from(mapped, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return r.dialect === "pg" ? `'\\x${hex}'::bytea` : `X'${hex}'`;
  }
  if (mapped instanceof Date) return literalString(mapped.toISOString());
  return literalString(JSON.stringify(mapped));
}

function literalString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function qualified(schema: string | undefined, name: string): string {
  return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`;
}

function constraintName(name: string | undefined): string {
  return name === undefined ? "" : `CONSTRAINT ${quote(name)} `;
}

function columnList(columns: Column[], r: Renderer): string {
  return columns.map((column) => quote(r.casing.getColumnCasing(column))).join(", ");
}

function tableName(table: Table, dialect: Dialect): string {
  const schema = dialect === "pg" && is(table, PgTable) ? getPgTableConfig(table).schema : undefined;
  return qualified(schema, getTableName(table));
}

function describe(table: unknown): string {
  return is(table, Table) ? `table "${getTableName(table)}"` : "the value";
}
