/**
 * The driver matrix: every Drizzle driver covara claims, each able to open a fresh, isolated
 * database. The behaviour suites (dialects.ts, blog.ts, the auth store backends) open their
 * databases here, for the drivers `selectDrivers` chose — by default the three the ordinary test
 * files run on; test/drivers/*.test.ts select the others and re-run those same suites.
 *
 * Server drivers (postgres-js, node-postgres, Neon over WebSocket and HTTP) each get their own
 * schema on the shared PostgreSQL (dropped on close) and a unique `application_name`, so a test
 * can find and terminate exactly its own backends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { neon, neonConfig, Pool as NeonPool } from "@neondatabase/serverless";
import Database from "better-sqlite3";
import type { Logger } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleD1 } from "drizzle-orm/d1";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzleNeonHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import pg from "pg";
import postgres from "postgres";
import { afterAll } from "vitest";
import ws from "ws";
import { withAcquireTimeout } from "../../src/db";
import type { AnyDatabase, Dialect } from "../../src/kernel/dialect";
import { startNeonHttpEndpoint, type NeonHttpEndpoint } from "./neon-http-endpoint";
import { startWsProxy, type WsProxy } from "./neon-ws-proxy";
import { openPglite } from "./pglite";
import { d1Databases } from "./workerd";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export type DriverName =
  | "better-sqlite3"
  | "better-sqlite3-file"
  | "libsql"
  | "libsql-file"
  | "pglite"
  | "postgres-js"
  | "node-postgres"
  | "neon-serverless"
  | "neon-http"
  | "d1";

export interface DriverConnection {
  name: DriverName;
  dialect: Dialect;
  db: AnyDatabase;
  /** Runs raw SQL outside Drizzle and returns its rows (for looking under the API). */
  query(text: string): Promise<Record<string, unknown>[]>;
  /** The `application_name` of a server driver's connections (to find its backends). */
  applicationName?: string;
  /** Closes the connections and drops what was created (file, schema). */
  close(): Promise<void>;
}

export interface DriverTarget {
  name: DriverName;
  dialect: Dialect;
  /** Why the driver cannot run here, or null when it can. */
  skipReason(): Promise<string | null>;
  connect(options?: ConnectOptions): Promise<DriverConnection>;
}

export interface ConnectOptions {
  logger?: Logger;
  /** Pool size of a server driver (default 4). */
  max?: number;
  /** How long a query waits for a free connection before failing (postgres-js: through covara's withAcquireTimeout). */
  acquireTimeoutMs?: number;
}

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

const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let counter = 0;
const always = async () => null;

/** A fresh schema on the shared server, with a name unique to this connection. */
async function createSchema(label: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `covara_${label}_${RUN}_${++counter}`;
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema "${schema}"`);
  return {
    schema,
    async drop() {
      await admin.unsafe(`drop schema if exists "${schema}" cascade`);
      await admin.end({ timeout: 2 });
    },
  };
}

/** A process-wide helper server started on first use and stopped when its last user leaves. */
function shared<T extends { close(): Promise<void> }>(start: () => Promise<T>) {
  let running: Promise<T> | undefined;
  let users = 0;
  return {
    async acquire(): Promise<T> {
      users++;
      running ??= start();
      return running;
    },
    async release(): Promise<void> {
      if (--users > 0 || !running) return;
      const server = await running;
      running = undefined;
      await server.close();
    },
  };
}

const wsProxy = shared<WsProxy>(startWsProxy);
const neonHttp = shared<NeonHttpEndpoint>(startNeonHttpEndpoint);

/** A connection string that lands in `schema` with a recognisable application name. */
function serverUrl(schema: string, applicationName: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  url.searchParams.set("application_name", applicationName);
  return url.toString();
}

function sqliteFile(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "covara-driver-"));
  return { path: join(dir, "test.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const plain = (rows: readonly object[]) => rows.map((row) => ({ ...row })) as Record<string, unknown>[];

export const driverTargets: Record<DriverName, DriverTarget> = {
  "better-sqlite3": {
    name: "better-sqlite3",
    dialect: "sqlite",
    skipReason: always,
    async connect({ logger } = {}) {
      const client = new Database(":memory:");
      return {
        name: "better-sqlite3",
        dialect: "sqlite",
        db: drizzleSqlite(client, { logger }),
        query: async (text) => client.prepare(text).all() as Record<string, unknown>[],
        close: async () => void client.close(),
      };
    },
  },
  "better-sqlite3-file": {
    name: "better-sqlite3-file",
    dialect: "sqlite",
    skipReason: always,
    async connect({ logger } = {}) {
      const file = sqliteFile();
      const client = new Database(file.path);
      client.pragma("journal_mode = WAL");
      return {
        name: "better-sqlite3-file",
        dialect: "sqlite",
        db: drizzleSqlite(client, { logger }),
        query: async (text) => client.prepare(text).all() as Record<string, unknown>[],
        close: async () => {
          client.close();
          file.remove();
        },
      };
    },
  },
  libsql: {
    name: "libsql",
    dialect: "sqlite",
    skipReason: always,
    async connect({ logger } = {}) {
      const client = createClient({ url: ":memory:" });
      return {
        name: "libsql",
        dialect: "sqlite",
        db: drizzleLibsql(client, { logger }),
        query: async (text) => plain((await client.execute(text)).rows),
        close: async () => client.close(),
      };
    },
  },
  "libsql-file": {
    name: "libsql-file",
    dialect: "sqlite",
    skipReason: always,
    async connect({ logger } = {}) {
      const file = sqliteFile();
      const client = createClient({ url: `file:${file.path}` });
      await client.execute("pragma journal_mode = wal");
      return {
        name: "libsql-file",
        dialect: "sqlite",
        db: drizzleLibsql(client, { logger }),
        query: async (text) => plain((await client.execute(text)).rows),
        close: async () => {
          client.close();
          file.remove();
        },
      };
    },
  },
  pglite: {
    name: "pglite",
    dialect: "pg",
    skipReason: always,
    async connect({ logger } = {}) {
      // As good as a new PGlite, without initdb each time (pglite.ts); closing hands it back.
      const client = await openPglite();
      return {
        name: "pglite",
        dialect: "pg",
        db: drizzlePglite(client, { logger }),
        query: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
        close: () => client.close(),
      };
    },
  },
  "postgres-js": {
    name: "postgres-js",
    dialect: "pg",
    skipReason: probePostgres,
    async connect({ logger, max, acquireTimeoutMs } = {}) {
      const { schema, drop } = await createSchema("pgjs");
      const applicationName = schema;
      const connection = { search_path: schema, application_name: applicationName };
      // postgres-js has no acquire timeout of its own: covara's withAcquireTimeout adds one (with
      // no pipelining, so a waiting query is still in the client's queue and can be withdrawn).
      // (`max_pipeline` is a postgres-js option its type declarations leave out.)
      const noPipelining = { max: max ?? 4, max_pipeline: 0, onnotice: () => {}, connection };
      const client =
        acquireTimeoutMs === undefined
          ? postgres(DATABASE_URL, { max: max ?? 4, onnotice: () => {}, connection })
          : withAcquireTimeout(postgres(DATABASE_URL, noPipelining), { acquireTimeoutMs });
      return {
        name: "postgres-js",
        dialect: "pg",
        db: drizzlePostgres(client, { logger }),
        query: async (text) => plain(await client.unsafe(text)),
        applicationName,
        async close() {
          await client.end({ timeout: 2 });
          await drop();
        },
      };
    },
  },
  "node-postgres": {
    name: "node-postgres",
    dialect: "pg",
    skipReason: probePostgres,
    async connect({ logger, max, acquireTimeoutMs } = {}) {
      const { schema, drop } = await createSchema("nodepg");
      const pool = new pg.Pool({
        connectionString: serverUrl(schema, schema),
        max: max ?? 4,
        connectionTimeoutMillis: acquireTimeoutMs,
      });
      // An idle client the server dropped must not crash the process: the pool replaces it.
      pool.on("error", () => {});
      return {
        name: "node-postgres",
        dialect: "pg",
        db: drizzleNodePg(pool, { logger }),
        query: async (text) => (await pool.query(text)).rows,
        applicationName: schema,
        async close() {
          await pool.end();
          await drop();
        },
      };
    },
  },
  "neon-serverless": {
    name: "neon-serverless",
    dialect: "pg",
    skipReason: probePostgres,
    async connect({ logger, max, acquireTimeoutMs } = {}) {
      const { schema, drop } = await createSchema("neonws");
      const proxy = await wsProxy.acquire();
      neonConfig.webSocketConstructor = ws;
      neonConfig.wsProxy = (host, port) => `${proxy.address}/v2?address=${host}:${port}`;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineTLS = false;
      neonConfig.pipelineConnect = false;
      const pool = new NeonPool({
        connectionString: serverUrl(schema, schema),
        max: max ?? 4,
        connectionTimeoutMillis: acquireTimeoutMs,
      });
      pool.on("error", () => {});
      return {
        name: "neon-serverless",
        dialect: "pg",
        db: drizzleNeon(pool, { logger }),
        query: async (text) => (await pool.query(text)).rows,
        applicationName: schema,
        async close() {
          await pool.end();
          await wsProxy.release();
          await drop();
        },
      };
    },
  },
  "neon-http": {
    name: "neon-http",
    dialect: "pg",
    skipReason: probePostgres,
    async connect({ logger } = {}) {
      const { schema, drop } = await createSchema("neonhttp");
      const endpoint = await neonHttp.acquire();
      neonConfig.fetchEndpoint = endpoint.url;
      const sql = neon(serverUrl(schema, schema));
      return {
        name: "neon-http",
        dialect: "pg",
        db: drizzleNeonHttp(sql, { logger }),
        query: async (text) => (await sql.query(text)) as Record<string, unknown>[],
        applicationName: schema,
        async close() {
          await neonHttp.release();
          await drop();
        },
      };
    },
  },
  d1: {
    name: "d1",
    dialect: "sqlite",
    skipReason: always,
    async connect({ logger } = {}) {
      // A fresh D1 database in workerd (through miniflare), reached over its binding from Node.
      const { binding, release } = await d1Databases.acquire();
      return {
        name: "d1",
        dialect: "sqlite",
        db: drizzleD1(binding, { logger }),
        query: async (text) => (await binding.prepare(text).all<Record<string, unknown>>()).results,
        close: release,
      };
    },
  },
};

// The file's Miniflare (started only if a D1 database was asked for) goes when the file ends.
afterAll(() => d1Databases.dispose());

/** The drivers the ordinary test files run on. */
export const DEFAULT_DRIVERS: readonly DriverName[] = ["better-sqlite3", "pglite", "postgres-js"];

let selected: readonly DriverName[] = DEFAULT_DRIVERS;

/** Chooses the drivers for the suites imported after this call (one test file = one process). */
export function selectDrivers(names: readonly DriverName[]): void {
  selected = names;
}

/** The drivers the suites run on in this test file. */
export function selectedDrivers(): DriverTarget[] {
  return selected.map((name) => driverTargets[name]);
}

let registering: DriverName | undefined;

/** Runs a suite's registration for one driver, so its tests can ask `interactiveTransactions()`. */
export function registerFor(driver: DriverName, register: () => void): void {
  const previous = registering;
  registering = driver;
  try {
    register();
  } finally {
    registering = previous;
  }
}

/**
 * Whether the driver whose tests are being registered runs interactive transactions: false on
 * Neon HTTP, where writes that need one are refused (test/drivers/neon-http-refusals.test.ts).
 * Ask it in the suite's body itself: Vitest collects nested `describe` bodies later.
 */
export function interactiveTransactions(): boolean {
  return registering !== "neon-http";
}
