/**
 * The databases a resource runs on, and which SQL dialect each speaks.
 */
import { is } from "drizzle-orm";
import { PgDatabase } from "drizzle-orm/pg-core";
import { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";

/** Any Drizzle database covara supports: better-sqlite3, libsql, D1, postgres-js, Neon, PGlite. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = BaseSQLiteDatabase<any, any, any, any> | PgDatabase<any, any, any>;

export type Dialect = "sqlite" | "pg";

/** Which dialect a Drizzle database speaks. */
export function dialectOf(db: AnyDatabase): Dialect {
  if (is(db, BaseSQLiteDatabase)) return "sqlite";
  if (is(db, PgDatabase)) return "pg";
  throw new TypeError("covara: unsupported database; pass a Drizzle SQLite or Postgres database");
}
