/**
 * The databases every behaviour suite runs against: one per selected driver (drivers.ts; by
 * default better-sqlite3, PGlite and the real PostgreSQL through postgres-js, skipped with a
 * printed reason when it cannot be reached), each with the users and notes tables pushed.
 */
import { sql, type Table } from "drizzle-orm";
import { pushTables } from "../../src/db";
import type { AnyDatabase, Dialect } from "../../src/kernel/dialect";
import { selectedDrivers, type DriverConnection, type DriverName } from "./drivers";
import { pgSchema, sqliteSchema } from "./schema";

export { DATABASE_URL, probePostgres } from "./drivers";

export interface TestDatabase {
  name: DriverName;
  dialect: Dialect;
  db: AnyDatabase;
  users: ReturnType<typeof sqliteSchema>["users"] | ReturnType<typeof pgSchema>["users"];
  notes: ReturnType<typeof sqliteSchema>["notes"] | ReturnType<typeof pgSchema>["notes"];
  /** The open driver connection (raw SQL, application name). */
  connection: DriverConnection;
  /** Empties every table and resets id sequences. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface DialectTarget {
  name: DriverName;
  dialect: Dialect;
  /** Why the target is skipped, or null when it runs. */
  skipReason(): Promise<string | null>;
  open(): Promise<TestDatabase>;
}

/** Empties tables and resets their id sequences, on either dialect. */
export async function emptyTables(db: AnyDatabase, tables: Table[], dialect: Dialect): Promise<void> {
  const names = tables.map((table) => (table as unknown as { [k: symbol]: string })[Symbol.for("drizzle:Name")]!);
  if (dialect === "sqlite") {
    const run = (statement: string) => (db as { run(q: unknown): unknown }).run(sql.raw(statement));
    for (const name of names) {
      await run(`delete from "${name}"`);
      await run(`delete from sqlite_sequence where name = '${name}'`);
    }
  } else {
    await (db as { execute(q: unknown): Promise<unknown> }).execute(
      sql.raw(`truncate table ${names.map((n) => `"${n}"`).join(", ")} restart identity cascade`),
    );
  }
}

export const dialectTargets: DialectTarget[] = selectedDrivers().map((driver) => ({
  name: driver.name,
  dialect: driver.dialect,
  skipReason: driver.skipReason,
  async open() {
    const connection = await driver.connect();
    const { users, notes } = driver.dialect === "sqlite" ? sqliteSchema() : pgSchema();
    await pushTables(connection.db, [users, notes]);
    return {
      name: driver.name,
      dialect: driver.dialect,
      db: connection.db,
      users,
      notes,
      connection,
      reset: () => emptyTables(connection.db, [users, notes], driver.dialect),
      close: () => connection.close(),
    };
  },
}));
