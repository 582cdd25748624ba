/**
 * The Drizzle session store over tables shaped by the app: renamed tables and columns through
 * defineInternalSchema, times held as ISO text or epoch-ms integers, JSON held as text, a table
 * without a data column — on better-sqlite3, PGlite and PostgreSQL.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { bigint, json, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDrizzleSessionStore } from "../../../src/auth/stores/drizzle-session-store";
import { defineInternalSchema, migrateInternal, pushTables } from "../../../src/db";
import { databaseTargets, runs, type StoreDatabase } from "./backends";
import { runSessionStoreSuite } from "./session-store-suite";

const HOUR = 60 * 60 * 1000;

// Auth.js-style names; times as ISO text and epoch-ms integers; JSON as plain text.
const sqliteSessions = sqliteTable("app_sessions", {
  sessionToken: text("session_token").primaryKey(),
  ownerId: text("owner_id").notNull(),
  created: text("created").notNull(),
  expires: integer("expires").notNull(),
  blob: text("blob"),
});
const pgSessions = pgTable("app_sessions", {
  sessionToken: pgText("session_token").primaryKey(),
  ownerId: pgText("owner_id").notNull(),
  created: timestamp("created", { mode: "string", withTimezone: true }).notNull(),
  expires: bigint("expires_ms", { mode: "number" }).notNull(),
  blob: json("blob"),
});
// A table that keeps no data blob at all.
const sqliteBare = sqliteTable("bare_sessions", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});
const pgBare = pgTable("bare_sessions", {
  id: pgText("id").primaryKey(),
  userId: pgText("user_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

function customSchema(dialect: "sqlite" | "pg") {
  if (dialect === "sqlite") {
    return defineInternalSchema({
      dialect,
      sessions: {
        table: sqliteSessions,
        fieldMap: {
          id: sqliteSessions.sessionToken,
          userId: sqliteSessions.ownerId,
          createdAt: "created",
          expiresAt: sqliteSessions.expires,
          data: "blob",
        },
      },
    });
  }
  return defineInternalSchema({
    dialect,
    sessions: {
      table: pgSessions,
      fieldMap: {
        id: pgSessions.sessionToken,
        userId: pgSessions.ownerId,
        createdAt: "created",
        expiresAt: pgSessions.expires,
        data: pgSessions.blob,
      },
    },
  });
}

for (const target of databaseTargets) {
  const available = await runs(target);
  if (!available) {
    describe.skip(`Drizzle session store over app tables [${target.name}] (unavailable)`, () => {});
    continue;
  }

  // The whole shared suite over the remapped table, so remapping never changes behaviour.
  runSessionStoreSuite(`Drizzle store over a remapped table on ${target.name}`, async () => {
    const database = await target.open();
    const schema = customSchema(database.dialect);
    await pushTables(database.db, [schema.sessions.table]);
    return {
      store: createDrizzleSessionStore({ db: database.db, resolver: schema.sessions }),
      close: () => database.close(),
    };
  });

  describe(`Drizzle session store over app tables [${target.name}]`, () => {
    let database: StoreDatabase;
    beforeAll(async () => {
      database = await target.open();
      await migrateInternal(database.db);
    });
    afterAll(async () => {
      await database?.close();
    });

    it("Logical contract is stable: SessionData (id/userId/createdAt/expiresAt/data) is always exposed in logical keys regardless of the underlying column names; remapping (defineInternalSchema fieldMap) applies only at the SQL persistence boundary", async () => {
      const schema = customSchema(database.dialect);
      await pushTables(database.db, [schema.sessions.table]);
      const store = createDrizzleSessionStore({ db: database.db, resolver: schema.sessions });
      const createdAt = new Date(Date.now() - 1000);
      const expiresAt = new Date(Date.now() + HOUR);
      await store.create({ id: "tok-1", userId: "grace", createdAt, expiresAt, data: { ipAddress: "192.0.2.9" } });

      const read = await store.get("tok-1");
      expect(read).toEqual({ id: "tok-1", userId: "grace", createdAt, expiresAt, data: { ipAddress: "192.0.2.9" } });
      expect(Object.keys(read!).sort()).toEqual(["createdAt", "data", "expiresAt", "id", "userId"]);

      // Underneath, the row sits in the app's own columns and representations.
      const [row] = await database.query(`select * from "app_sessions" where "session_token" = 'tok-1'`);
      expect(row).toBeDefined();
      expect(Object.keys(row!)).toEqual(expect.arrayContaining(["session_token", "owner_id", "created", "blob"]));
      expect(row!.owner_id).toBe("grace");
      expect(Number(row!.expires ?? row!.expires_ms)).toBe(expiresAt.getTime());
      expect(row).not.toHaveProperty("userId");
      // The built-in table was not touched.
      expect(await database.query(`select * from "auth_sessions"`)).toEqual([]);
    });

    it("works with a table that has no data column: sessions keep everything but data", async () => {
      const table = database.dialect === "sqlite" ? sqliteBare : pgBare;
      await pushTables(database.db, [table]);
      const schema = defineInternalSchema({ dialect: database.dialect, sessions: { table } });
      expect(schema.sessions.columns.data).toBeUndefined();
      const store = createDrizzleSessionStore({ db: database.db, resolver: schema.sessions });
      await store.create({
        id: "bare-1",
        userId: "heidi",
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + HOUR),
        data: { dropped: true },
      });
      const read = await store.get("bare-1");
      expect(read).toMatchObject({ id: "bare-1", userId: "heidi" });
      expect(read!.data).toBeUndefined();
      expect(await store.update("bare-1", { data: { ignored: true } })).toBe(true);
      expect(await store.deleteByUser("heidi")).toBe(1);
    });

    it("deleteExpired removes only expired rows", async () => {
      const store = createDrizzleSessionStore({ db: database.db });
      const now = Date.now();
      await store.create({
        id: "old-1",
        userId: "ivan",
        createdAt: new Date(now - 2 * HOUR),
        expiresAt: new Date(now - HOUR),
      });
      await store.create({
        id: "old-2",
        userId: "ivan",
        createdAt: new Date(now - 2 * HOUR),
        expiresAt: new Date(now - 1),
      });
      await store.create({ id: "live-1", userId: "ivan", createdAt: new Date(now), expiresAt: new Date(now + HOUR) });
      expect(await store.deleteExpired()).toBe(2);
      expect((await store.listByUser("ivan")).map((s) => s.id)).toEqual(["live-1"]);
      expect((await database.query(`select id from "auth_sessions" where user_id = 'ivan'`)).length).toBe(1);
    });

    it("refuses a resolver built for the other dialect", () => {
      const other = defineInternalSchema({ dialect: database.dialect === "sqlite" ? "pg" : "sqlite" });
      expect(() => createDrizzleSessionStore({ db: database.db, resolver: other.sessions })).toThrow(/resolver is for/);
    });
  });
}

describe("Drizzle session store SQL", () => {
  it("Indexed bulk invalidation: bulk invalidation touches only that user's sessions (DELETE … WHERE user_id = ?, never a scan of every session)", async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const client = new Database(":memory:");
    const db = drizzle(client, { logger: { logQuery: (sql, params) => void statements.push({ sql, params }) } });
    await migrateInternal(db);
    const store = createDrizzleSessionStore({ db });
    for (const [id, userId] of [
      ["j1", "judy"],
      ["j2", "judy"],
      ["k1", "karl"],
    ] as const) {
      await store.create({ id, userId, createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) });
    }
    statements.length = 0;
    expect(await store.deleteByUser("judy")).toBe(2);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.sql).toMatch(/^delete from "auth_sessions" where "auth_sessions"\."user_id" = \? returning/);
    expect(statements[0]!.params).toEqual(["judy"]);
    // The user_id index exists, so that WHERE is an index lookup.
    const plan = client.prepare(`explain query plan delete from auth_sessions where user_id = 'judy'`).all() as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(" ")).toMatch(/auth_sessions_user_id_idx/);
    expect(await store.get("k1")).not.toBeNull();
    client.close();
  });
});
