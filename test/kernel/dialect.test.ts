/**
 * Driver detection reads Drizzle's own marker (the session class's `[entityKind]`): every driver
 * covara supports is named with its dialect and transaction model, a tracked db is seen through,
 * and anything else is refused with an error naming the driver.
 */
import { createClient } from "@libsql/client";
import { neon, Pool } from "@neondatabase/serverless";
import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzleMysqlProxy } from "drizzle-orm/mysql-proxy";
import { drizzle as drizzleNeonHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePgProxy } from "drizzle-orm/pg-proxy";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { drizzle as drizzleSqliteProxy } from "drizzle-orm/sqlite-proxy";
import pg from "pg";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createCovara } from "../../src";
import { detectDialect } from "../../src/db";
import { dialectOf, driverOf, type AnyDatabase } from "../../src/kernel/dialect";
import { trackMutations } from "../../src/realtime";
import { sqliteSchema } from "../helpers/schema";

// None of these connect: building a Drizzle database over a client opens nothing.
const URL = "postgres://postgres@127.0.0.1:5432/test";

describe("driverOf", () => {
  it("names every supported driver with its dialect and transaction model", () => {
    const cases: [AnyDatabase, string, string, string][] = [
      [drizzleSqlite(new Database(":memory:")), "better-sqlite3", "sqlite", "sync"],
      [drizzleLibsql(createClient({ url: ":memory:" })), "libsql", "sqlite", "async"],
      [drizzlePostgres(postgres(URL)), "postgres-js", "pg", "async"],
      [drizzleNodePg(new pg.Pool({ connectionString: URL })), "node-postgres", "pg", "async"],
      [drizzleNeon(new Pool({ connectionString: URL })), "neon-serverless", "pg", "async"],
      [drizzleNeonHttp(neon(URL)), "neon-http", "pg", "none"],
    ];
    for (const [db, name, dialect, transactions] of cases) {
      expect(driverOf(db), name).toEqual({ name, dialect, transactions });
      expect(dialectOf(db)).toBe(dialect);
    }
  });

  it("sees through trackMutations' wrapper", () => {
    const { users } = sqliteSchema();
    const db = trackMutations(drizzleLibsql(createClient({ url: ":memory:" })), {
      users: { table: users, id: users.id },
    });
    expect(driverOf(db).name).toBe("libsql");
  });

  it("refuses an unsupported driver of a supported dialect, naming it", () => {
    const sqliteProxy = drizzleSqliteProxy(async () => ({ rows: [] }));
    expect(() => driverOf(sqliteProxy)).toThrow(
      /unsupported SQLite driver SQLiteRemoteSession on SqliteRemoteDatabase; covara runs on better-sqlite3, libsql/,
    );
    const pgProxy = drizzlePgProxy(async () => ({ rows: [] }));
    expect(() => driverOf(pgProxy)).toThrow(/unsupported Postgres driver PgRemoteSession/);
  });

  it("refuses another dialect's database and things that are not databases", () => {
    const mysql = drizzleMysqlProxy(async () => ({ rows: [] }));
    expect(() => driverOf(mysql as never)).toThrow(
      /unsupported database MySqlRemoteDatabase; pass a Drizzle database on/,
    );
    expect(() => detectDialect({})).toThrow(/unsupported database \(not a Drizzle database\)/);
    expect(() => detectDialect(undefined)).toThrow(/unsupported database \(undefined\)/);
  });

  it("refuses an unsupported driver when the resource is mounted, not on the first request", () => {
    const { users } = sqliteSchema();
    const db = drizzleSqliteProxy(async () => ({ rows: [] }));
    expect(() => createCovara().resource("/users", users, { id: users.id, db: db as never })).toThrow(
      /unsupported SQLite driver SQLiteRemoteSession/,
    );
  });
});
