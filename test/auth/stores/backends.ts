/**
 * The databases and KV backends the auth store suites run against: the selected drivers
 * (drivers.ts; by default better-sqlite3, PGlite and the real PostgreSQL, each server database in
 * its own schema, so the fixed auth_* table names never collide with other test files), and the
 * memory KV and real Redis (under a per-run key prefix).
 * Unreachable servers are skipped with a printed reason.
 */
import { sql } from "drizzle-orm";
import type { SqlDialect } from "../../../src/db";
import type { DrizzleDatabase } from "../../../src/db";
import type { KV } from "../../../src/kernel/kv";
import { createMemoryKV, createRedisKV } from "../../../src/kv";
import { selectedDrivers } from "../../helpers/drivers";
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

/** One per selected driver (drivers.ts): each server database in its own schema. */
export const databaseTargets: DatabaseTarget[] = selectedDrivers().map((driver) => ({
  name: driver.name,
  skipReason: driver.skipReason(),
  open: () => driver.connect(),
}));

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
    else await (database.db as { run(q: unknown): unknown }).run(statement);
  }
}
