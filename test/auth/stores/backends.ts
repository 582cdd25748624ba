/**
 * The databases and KV backends the auth store suites run against: better-sqlite3, PGlite and the
 * real PostgreSQL (each test database in its own schema, so the fixed auth_* table names never
 * collide with other test files), and the memory KV and real Redis (under a per-run key prefix).
 * Unreachable servers are skipped with a printed reason.
 */
import { PGlite } from "@electric-sql/pglite";
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { SqlDialect } from "../../../src/db";
import type { DrizzleDatabase } from "../../../src/db";
import type { KV } from "../../../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../../../src/kv";
import { DATABASE_URL, probePostgres } from "../../helpers/dialects";
import { REDIS_URL, redisSkipReason } from "../../helpers/test-redis";

export { REDIS_URL };
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface StoreDatabase {
  name: string;
  dialect: SqlDialect;
  db: DrizzleDatabase;
  /** Runs raw SQL and returns its rows (for looking under a store). */
  query(text: string): Promise<Record<string, unknown>[]>;
  /** Drops what the test created and closes connections. */
  close(): Promise<void>;
}

export interface DatabaseTarget {
  name: string;
  skipReason: Promise<string | null>;
  open(): Promise<StoreDatabase>;
}

let schemaCounter = 0;


export const databaseTargets: DatabaseTarget[] = [
  {
    name: "better-sqlite3",
    skipReason: Promise.resolve(null),
    async open() {
      const client = new Database(":memory:");
      const db = drizzleSqlite(client);
      return {
        name: "better-sqlite3",
        dialect: "sqlite",
        db,
        query: async (text) => client.prepare(text).all() as Record<string, unknown>[],
        close: async () => void client.close(),
      };
    },
  },
  {
    name: "pglite",
    skipReason: Promise.resolve(null),
    async open() {
      const client = new PGlite();
      const db = drizzlePglite(client);
      return {
        name: "pglite",
        dialect: "pg",
        db,
        query: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
        close: () => client.close(),
      };
    },
  },
  {
    name: "postgres",
    skipReason: probePostgres(),
    async open() {
      // A schema per database: every connection of the pool resolves auth_* inside it.
      const schema = `covara_auth_${RUN}_${++schemaCounter}`;
      const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create schema "${schema}"`);
      const client = postgres(DATABASE_URL, { max: 4, onnotice: () => {}, connection: { search_path: schema } });
      const db = drizzlePostgres(client);
      return {
        name: "postgres",
        dialect: "pg",
        db,
        query: async (text) => (await client.unsafe(text)) as unknown as Record<string, unknown>[],
        async close() {
          await client.end({ timeout: 2 });
          await admin.unsafe(`drop schema if exists "${schema}" cascade`);
          await admin.end({ timeout: 2 });
        },
      };
    },
  },
];

export interface KVTarget {
  name: string;
  skipReason: Promise<string | null>;
  /** A KV whose keys all live under a prefix unique to this run. */
  open(): Promise<KV>;
}

export const kvTargets: KVTarget[] = [
  { name: "memory-kv", skipReason: Promise.resolve(null), open: async () => createMemoryKV({ sweepIntervalMs: 0 }) },
  {
    name: "redis",
    skipReason: redisSkipReason(),
    open: () => createRedisKV({ url: REDIS_URL, keyPrefix: `covara-test:${RUN}:auth:` }),
  },
];

/** A key prefix unique to one test, so tests sharing a Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `${label}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
}

/** Prints why a target is skipped and returns whether it runs. */
export async function runs(target: { name: string; skipReason: Promise<string | null> }): Promise<boolean> {
  const reason = await target.skipReason;
  if (reason !== null) console.warn(`[covara auth store tests] skipping ${target.name}: ${reason}`);
  return reason === null;
}

/** Empties every built-in auth table (between tests on a shared database). */
export async function clearAuthTables(database: StoreDatabase): Promise<void> {
  for (const table of ["auth_sessions", "auth_accounts", "auth_api_keys", "auth_verification_tokens"]) {
    const statement = sql.raw(`delete from "${table}"`);
    if (database.dialect === "pg") await (database.db as { execute(q: unknown): Promise<unknown> }).execute(statement);
    else (database.db as { run(q: unknown): unknown }).run(statement);
  }
}
