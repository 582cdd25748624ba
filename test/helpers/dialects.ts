/**
 * The databases every behaviour suite runs against: better-sqlite3, PGlite, and the real
 * PostgreSQL at DATABASE_URL (skipped with a printed reason when it cannot be reached).
 */
import { PGlite } from "@electric-sql/pglite";
import Database from "better-sqlite3";
import { sql, type Table } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { pushTables } from "../../src/db";
import type { AnyDatabase } from "../../src/kernel/dialect";
import { pgSchema, sqliteSchema } from "./schema";

export interface TestDatabase {
  name: string;
  db: AnyDatabase;
  users: ReturnType<typeof sqliteSchema>["users"] | ReturnType<typeof pgSchema>["users"];
  notes: ReturnType<typeof sqliteSchema>["notes"] | ReturnType<typeof pgSchema>["notes"];
  /** Empties every table and resets id sequences. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface DialectTarget {
  name: string;
  /** Why the target is skipped, or null when it runs. */
  skipReason(): Promise<string | null>;
  open(): Promise<TestDatabase>;
}

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let postgresProbe: Promise<string | null> | undefined;
/** Why PostgreSQL cannot be used, or null when it answers; probed once per file. */
export function probePostgres(): Promise<string | null> {
  postgresProbe ??= (async () => {
    const client = postgres(DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await client`select 1`;
      return null;
    } catch (error) {
      return `PostgreSQL at ${DATABASE_URL} is unreachable (${(error as Error).message})`;
    } finally {
      await client.end({ timeout: 1 }).catch(() => {});
    }
  })();
  return postgresProbe;
}

async function truncate(db: AnyDatabase, tables: Table[], dialect: "sqlite" | "pg"): Promise<void> {
  for (const table of tables) {
    const name = (table as unknown as { [k: symbol]: string })[Symbol.for("drizzle:Name")]!;
    if (dialect === "sqlite") {
      (db as { run(q: unknown): unknown }).run(sql.raw(`delete from "${name}"`));
      (db as { run(q: unknown): unknown }).run(sql.raw(`delete from sqlite_sequence where name = '${name}'`));
    } else {
      await (db as { execute(q: unknown): Promise<unknown> }).execute(sql.raw(`truncate table "${name}" restart identity cascade`));
    }
  }
}

export const dialectTargets: DialectTarget[] = [
  {
    name: "better-sqlite3",
    skipReason: async () => null,
    async open() {
      const client = new Database(":memory:");
      const db = drizzleSqlite(client);
      const { users, notes } = sqliteSchema();
      await pushTables(db, [users, notes]);
      return {
        name: "better-sqlite3",
        db,
        users,
        notes,
        reset: () => truncate(db, [users, notes], "sqlite"),
        close: async () => void client.close(),
      };
    },
  },
  {
    name: "pglite",
    skipReason: async () => null,
    async open() {
      const client = new PGlite();
      const db = drizzlePglite(client);
      const { users, notes } = pgSchema();
      await pushTables(db, [users, notes]);
      return {
        name: "pglite",
        db,
        users,
        notes,
        reset: () => truncate(db, [users, notes], "pg"),
        close: () => client.close(),
      };
    },
  },
  {
    name: "postgres",
    skipReason: probePostgres,
    async open() {
      const client = postgres(DATABASE_URL, { max: 4, onnotice: () => {} });
      const db = drizzlePostgres(client);
      const suffix = `_t${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const { users, notes } = pgSchema(suffix);
      await pushTables(db, [users, notes]);
      return {
        name: "postgres",
        db,
        users,
        notes,
        reset: () => truncate(db, [users, notes], "pg"),
        async close() {
          await db.execute(sql.raw(`drop table if exists "users${suffix}", "notes${suffix}" cascade`));
          await client.end({ timeout: 2 });
        },
      };
    },
  },
];
