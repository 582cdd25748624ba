/**
 * The databases a resource runs on: which SQL dialect each speaks and which driver is behind it.
 * The driver is read from Drizzle's own stable marker, the `[entityKind]` of the database's
 * session class (`"LibSQLSession"`, `"NeonHttpSession"`, ...), never guessed from class names.
 */
import { entityKind, is } from "drizzle-orm";
import { PgDatabase } from "drizzle-orm/pg-core";
import { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";

/** Any Drizzle database covara supports: better-sqlite3, libsql, D1, postgres-js, node-postgres, Neon, PGlite. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = BaseSQLiteDatabase<any, any, any, any> | PgDatabase<any, any, any>;

export type Dialect = "sqlite" | "pg";

/**
 * How a driver runs transactions: `sync` (better-sqlite3: the callback must not await), `async`
 * (an interactive transaction over one connection), or `none` (Neon HTTP and D1: each query is
 * its own request; only a non-interactive batch is atomic).
 */
export type TransactionModel = "sync" | "async" | "none";

export type DriverName =
  | "better-sqlite3"
  | "libsql"
  | "d1"
  | "durable-sqlite"
  | "postgres-js"
  | "node-postgres"
  | "neon-serverless"
  | "neon-http"
  | "pglite";

export interface DriverInfo {
  name: DriverName;
  dialect: Dialect;
  transactions: TransactionModel;
}

/** Drizzle session kinds → the driver covara knows them as. */
const DRIVERS: Readonly<Record<string, DriverInfo>> = {
  BetterSQLiteSession: { name: "better-sqlite3", dialect: "sqlite", transactions: "sync" },
  LibSQLSession: { name: "libsql", dialect: "sqlite", transactions: "async" },
  SQLiteD1Session: { name: "d1", dialect: "sqlite", transactions: "none" },
  SQLiteDOSession: { name: "durable-sqlite", dialect: "sqlite", transactions: "sync" },
  PostgresJsSession: { name: "postgres-js", dialect: "pg", transactions: "async" },
  NodePgSession: { name: "node-postgres", dialect: "pg", transactions: "async" },
  NeonSession: { name: "neon-serverless", dialect: "pg", transactions: "async" },
  NeonHttpSession: { name: "neon-http", dialect: "pg", transactions: "none" },
  PgliteSession: { name: "pglite", dialect: "pg", transactions: "async" },
};

const SUPPORTED = "better-sqlite3, libsql, D1, postgres-js, node-postgres, Neon (serverless Pool or HTTP) and PGlite";

/** The `[entityKind]` of a value's class, if it has one. */
function kindOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const kind: unknown = (value.constructor as { [entityKind]?: unknown } | undefined)?.[entityKind];
  return typeof kind === "string" ? kind : undefined;
}

const known = new WeakMap<object, DriverInfo>();

/** Which driver a Drizzle database runs on; throws a TypeError naming anything unsupported. */
export function driverOf(db: AnyDatabase): DriverInfo {
  const cached = known.get(db);
  if (cached) return cached;
  const isSqlite = is(db, BaseSQLiteDatabase);
  if (!isSqlite && !is(db, PgDatabase)) {
    const kind = kindOf(db);
    throw new TypeError(
      `covara: unsupported database${kind ? ` ${kind}` : ` (${typeof db === "object" && db !== null ? "not a Drizzle database" : String(db)})`}; pass a Drizzle database on ${SUPPORTED}`,
    );
  }
  const sessionKind = kindOf((db as { session?: unknown }).session);
  const driver = sessionKind === undefined ? undefined : DRIVERS[sessionKind];
  if (!driver || driver.dialect !== (isSqlite ? "sqlite" : "pg")) {
    throw new TypeError(
      `covara: unsupported ${isSqlite ? "SQLite" : "Postgres"} driver ${sessionKind ?? "(unknown session)"} on ${kindOf(db) ?? "a Drizzle database"}; covara runs on ${SUPPORTED}`,
    );
  }
  known.set(db, driver);
  return driver;
}

/** Which dialect a Drizzle database speaks (throws for an unsupported driver, naming it). */
export function dialectOf(db: AnyDatabase): Dialect {
  return driverOf(db).dialect;
}
