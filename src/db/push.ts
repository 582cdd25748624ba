/**
 * Running DDL and seed data against a live Drizzle database: dialect detection, `pushTables`
 * (the statements from `ddl.ts`) and chunked `seedTable`.
 */
import { getTableColumns, is, sql, type Table } from "drizzle-orm";
import { CasingCache } from "drizzle-orm/casing";
import { DrizzleD1Database } from "drizzle-orm/d1";
import { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { type PgDatabase, PgDialect } from "drizzle-orm/pg-core";
import { type BaseSQLiteDatabase, SQLiteDialect } from "drizzle-orm/sqlite-core";
import { buildStatements, createRenderer, type DdlOptions, type Renderer } from "./ddl";
import { dialectOf, type AnyDatabase, type Dialect } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";

/** Either kind of Drizzle database covara runs on (`any`: every driver's result types fit). */
export type DrizzleDatabase = BaseSQLiteDatabase<any, any, any, any> | PgDatabase<any, any, any>;

/** Tells a Drizzle SQLite database from a Postgres one (a TypeError names an unsupported driver). */
export function detectDialect(db: unknown): Dialect {
  // dialectOf checks what it is given: anything that is not a supported Drizzle database throws.
  return dialectOf(assumeType<AnyDatabase>(db));
}

/** Creates the tables (and their indexes, enums and schemas) that do not exist yet. */
export async function pushTables(db: DrizzleDatabase, tables: Table[], options: DdlOptions = {}): Promise<void> {
  const dialect = detectDialect(db);
  // Reuse the database's own dialect so a `casing` given to drizzle() applies without repeating it.
  const own: unknown = "dialect" in db ? db.dialect : undefined;
  const ownCasing = (own as { casing?: unknown } | undefined)?.casing;
  const renderer: Renderer =
    options.casing === undefined && (is(own, SQLiteDialect) || is(own, PgDialect)) && is(ownCasing, CasingCache)
      ? { dialect, casing: ownCasing, sqlDialect: own }
      : createRenderer(dialect, options);
  for (const statement of buildStatements(tables, renderer)) {
    if (dialect === "pg") await (db as PgDatabase<never>).execute(sql.raw(statement));
    else await (db as BaseSQLiteDatabase<"sync", unknown>).run(sql.raw(statement));
  }
}

/** Inserts rows in chunks small enough for the driver's bound-parameter limit. */
export async function seedTable<T extends Table>(
  db: DrizzleDatabase,
  table: T,
  rows: T["$inferInsert"][],
  options: { chunkSize?: number } = {},
): Promise<void> {
  if (options.chunkSize !== undefined && !(Number.isSafeInteger(options.chunkSize) && options.chunkSize > 0)) {
    throw new Error(`seedTable: chunkSize must be a positive integer, got ${options.chunkSize}`);
  }
  if (rows.length === 0) return;
  const dialect = detectDialect(db);
  const columnCount = Math.max(1, Object.keys(getTableColumns(table)).length);
  const maxParams = maxBoundParameters(db, dialect);
  const chunkSize = options.chunkSize ?? Math.max(1, Math.min(1000, Math.floor(maxParams / columnCount)));
  // Both dialects' databases have this insert; their union has no callable one.
  const insert = assumeType<{ insert(t: Table): { values(rows: unknown[]): PromiseLike<unknown> } }>(db);
  for (let start = 0; start < rows.length; start += chunkSize) {
    await insert.insert(table).values(rows.slice(start, start + chunkSize));
  }
}

/** Bound parameters one statement may carry on this database. */
function maxBoundParameters(db: DrizzleDatabase, dialect: Dialect): number {
  if (dialect === "pg") return 65_535;
  // Cloudflare's SQLite (D1, Durable Objects) caps a statement at 100 parameters.
  if (is(db, DrizzleD1Database) || is(db, DrizzleSqliteDODatabase)) return 100;
  return 32_766;
}
