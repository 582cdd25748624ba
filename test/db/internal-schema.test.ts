/**
 * The built-in auth tables, defineInternalSchema's fail-fast validation, and migrateInternal's
 * three modes — on better-sqlite3, PGlite and PostgreSQL (each in its own schema).
 */
import { createHash } from "node:crypto";
import { getTableColumns } from "drizzle-orm";
import {
  integer as pgInteger,
  pgTable,
  primaryKey as pgPrimaryKey,
  text as pgText,
  timestamp,
} from "drizzle-orm/pg-core";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it } from "vitest";
import { createDrizzleSessionStore } from "../../src/auth/stores/drizzle-session-store";
import {
  authAccounts,
  authAccountsPg,
  authApiKeys,
  authSessions,
  authSessionsPg,
  authSessionsSqlite,
  authVerificationTokens,
  builtInInternalTable,
  canonicalInternalDdl,
  createTablesSql,
  defineInternalSchema,
  describeInternalSchema,
  getInternalSchema,
  InternalSchemaError,
  internalMigrationStatements,
  migrateInternal,
  type InternalSchemaInput,
} from "../../src/db";
import { createCovara } from "../../src/server";
import { databaseTargets, runs, type StoreDatabase } from "../auth/stores/backends";

const HOUR = 60 * 60 * 1000;

// App tables for the override tests, one set per dialect.
const mySessionsSqlite = sqliteTable("my_sessions", {
  token: text("token").primaryKey(),
  ownerId: text("owner_id").notNull(),
  created: integer("created", { mode: "timestamp_ms" }).notNull(),
  expires: integer("expires", { mode: "timestamp_ms" }).notNull(),
  blob: text("blob", { mode: "json" }),
});
const otherSqlite = sqliteTable("other_table", { ownerId: text("owner_id"), expires: integer("expires") });
const myTokensSqlite = sqliteTable(
  "my_tokens",
  {
    identifier: text("identifier").notNull(),
    token: text("token").notNull(),
    expires: integer("expires", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.identifier, t.token] })],
);
const myAccountsSqlite = sqliteTable(
  "my_accounts",
  {
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    provider: text("provider").notNull(),
    providerAccountId: text("pid").notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] })],
);
const mySessionsPg = pgTable("my_sessions", {
  token: pgText("token").primaryKey(),
  ownerId: pgText("owner_id").notNull(),
  created: timestamp("created", { withTimezone: true }).notNull(),
  expires: timestamp("expires", { withTimezone: true }).notNull(),
  blob: pgText("blob"),
});
const myTokensPg = pgTable(
  "my_tokens",
  {
    identifier: pgText("identifier").notNull(),
    token: pgText("token").notNull(),
    expires: timestamp("expires").notNull(),
  },
  (t) => [pgPrimaryKey({ columns: [t.identifier, t.token] })],
);
const myAccountsPg = pgTable(
  "my_accounts",
  {
    userId: pgText("user_id").notNull(),
    type: pgText("type").notNull(),
    provider: pgText("provider").notNull(),
    providerAccountId: pgText("pid").notNull(),
    expiresAt: pgInteger("expires_at"),
  },
  (t) => [pgPrimaryKey({ columns: [t.provider, t.providerAccountId] })],
);

const sessionsOverride = (dialect: "sqlite" | "pg"): InternalSchemaInput =>
  dialect === "sqlite"
    ? {
        dialect,
        sessions: {
          table: mySessionsSqlite,
          fieldMap: {
            id: mySessionsSqlite.token,
            userId: mySessionsSqlite.ownerId,
            createdAt: "created",
            expiresAt: mySessionsSqlite.expires,
            data: "blob",
          },
        },
      }
    : {
        dialect,
        sessions: {
          table: mySessionsPg,
          fieldMap: {
            id: mySessionsPg.token,
            userId: mySessionsPg.ownerId,
            createdAt: "created",
            expiresAt: mySessionsPg.expires,
            data: "blob",
          },
        },
      };

/** The error defineInternalSchema throws for an input, or null. */
function schemaError(input: unknown): string | null {
  try {
    defineInternalSchema(input as InternalSchemaInput);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(InternalSchemaError);
    return (error as Error).message;
  }
}

describe("defineInternalSchema", () => {
  it("Fail-fast validation: defineInternalSchema validates that every required logical key resolves to a column on the supplied table at construction time, never at query time", () => {
    const noExpiry = sqliteTable("no_expiry", {
      id: text("id").primaryKey(),
      userId: text("user_id"),
      createdAt: integer("created_at"),
    });
    expect(schemaError({ dialect: "sqlite", sessions: { table: noExpiry } })).toMatch(
      /^internalSchema\.sessions\.expiresAt: required column not found on table "no_expiry"/,
    );
    // A string that names no property fails the same way, naming what it looked for.
    expect(
      schemaError({ dialect: "sqlite", sessions: { table: noExpiry, fieldMap: { expiresAt: "expiry" } } }),
    ).toMatch(
      /^internalSchema\.sessions\.expiresAt: required column not found on table "no_expiry" \(fieldMap\.expiresAt names property "expiry"/,
    );
    // Every table is checked, not just sessions.
    const keys = sqliteTable("keys", {
      id: text("id"),
      userId: text("u"),
      name: text("n"),
      keyPrefix: text("p"),
      createdAt: integer("c"),
    });
    expect(schemaError({ dialect: "sqlite", apiKeys: { table: keys } })).toMatch(
      /^internalSchema\.apiKeys\.keyHash: required column not found/,
    );
    const tokens = sqliteTable("tokens", { identifier: text("i"), token: text("t") });
    expect(schemaError({ dialect: "sqlite", verificationTokens: { table: tokens } })).toMatch(
      /^internalSchema\.verificationTokens\.expires: required column not found/,
    );
    const accounts = sqliteTable("accounts", { userId: text("u"), type: text("t"), provider: text("p") });
    expect(schemaError({ dialect: "sqlite", accounts: { table: accounts } })).toMatch(
      /^internalSchema\.accounts\.providerAccountId: required column not found/,
    );
    // A complete mapping constructs, and every key resolves to a column object of the table.
    const schema = defineInternalSchema(sessionsOverride("sqlite"));
    expect(schema.sessions.columns).toEqual({
      id: mySessionsSqlite.token,
      userId: mySessionsSqlite.ownerId,
      createdAt: mySessionsSqlite.created,
      expiresAt: mySessionsSqlite.expires,
      data: mySessionsSqlite.blob,
    });
  });

  it("rejects a column object that belongs to a different table", () => {
    const message = schemaError({
      dialect: "sqlite",
      sessions: {
        table: mySessionsSqlite,
        fieldMap: {
          id: mySessionsSqlite.token,
          userId: otherSqlite.ownerId,
          createdAt: "created",
          expiresAt: "expires",
        },
      },
    });
    expect(message).toBe(
      'internalSchema.sessions.userId: column "owner_id" belongs to table "other_table", not to "my_sessions"',
    );
    // The built-in table's own columns are another table too.
    expect(
      schemaError({
        dialect: "sqlite",
        sessions: { table: mySessionsSqlite, fieldMap: { id: authSessionsSqlite.id } },
      }),
    ).toMatch(/^internalSchema\.sessions\.id: column "id" belongs to table "auth_sessions"/);
  });

  it("rejects unknown keys and tables, tables of the other dialect, non-tables and double mappings", () => {
    expect(
      schemaError({ dialect: "sqlite", sessions: { table: mySessionsSqlite, fieldMap: { expiry: "expires" } } }),
    ).toMatch(
      /^internalSchema\.sessions\.fieldMap\.expiry: unknown logical key \(expected one of id, userId, createdAt, expiresAt, data\)/,
    );
    expect(schemaError({ dialect: "sqlite", users: { table: mySessionsSqlite } })).toMatch(
      /^internalSchema\.users: unknown table/,
    );
    expect(schemaError({ dialect: "pg", sessions: { table: mySessionsSqlite } })).toMatch(
      /^internalSchema\.sessions\.table: "my_sessions" is not a Postgres table, but the schema's dialect is "pg"/,
    );
    expect(schemaError({ dialect: "sqlite", sessions: { table: { name: "fake" } } })).toMatch(
      /^internalSchema\.sessions\.table: expected a Drizzle table/,
    );
    expect(schemaError({ dialect: "sqlite", sessions: null })).toMatch(
      /^internalSchema\.sessions: expected \{ table, fieldMap\? \}/,
    );
    expect(schemaError({ dialect: "mysql" })).toMatch(/^internalSchema\.dialect: expected "sqlite" or "pg"/);
    expect(schemaError(null)).toMatch(/^internalSchema: expected an options object/);
    expect(
      schemaError({
        dialect: "sqlite",
        sessions: {
          table: mySessionsSqlite,
          fieldMap: { id: "token", userId: "ownerId", createdAt: "expires", expiresAt: "expires" },
        },
      }),
    ).toBe('internalSchema.sessions.expiresAt: column "expires" is already mapped to createdAt');
    expect(schemaError({ dialect: "sqlite", sessions: { table: mySessionsSqlite, fieldMap: { id: 42 } } })).toMatch(
      /^internalSchema\.sessions\.id: fieldMap\.id must be a Drizzle column of "my_sessions" or a property name/,
    );
  });

  it("treats optional keys as optional, unless a mapping names a column that is not there", () => {
    const bare = sqliteTable("bare", {
      id: text("id").primaryKey(),
      userId: text("u"),
      createdAt: integer("c"),
      expiresAt: integer("e"),
    });
    expect(
      defineInternalSchema({ dialect: "sqlite", sessions: { table: bare } }).sessions.columns.data,
    ).toBeUndefined();
    expect(schemaError({ dialect: "sqlite", sessions: { table: bare, fieldMap: { data: "payload" } } })).toMatch(
      /^internalSchema\.sessions\.data: column not found on table "bare"/,
    );
  });

  it("falls back to the built-in tables for every table not overridden", () => {
    const schema = defineInternalSchema({ dialect: "pg", managedExternally: true });
    expect(schema.sessions.table).toBe(authSessionsPg);
    expect(schema.accounts.table).toBe(authAccountsPg);
    expect(schema.sessions.overridden).toBe(false);
    expect(schema.managedExternally).toBe(true);
    expect(schema.accounts.compoundPrimaryKey).toBe(true);
    expect(schema.verificationTokens.compoundPrimaryKey).toBe(true);
    expect(schema.sessions.compoundPrimaryKey).toBe(false);
    expect(describeInternalSchema(defineInternalSchema(sessionsOverride("sqlite")))).toMatchObject({
      sessions: {
        table: "my_sessions",
        overridden: true,
        columns: { id: "token", userId: "owner_id", createdAt: "created", expiresAt: "expires", data: "blob" },
      },
      apiKeys: { table: "auth_api_keys", overridden: false, columns: { keyHash: "key_hash", keyPrefix: "key_prefix" } },
    });
  });

  it("exports the built-in tables under their documented names (unsuffixed = SQLite, the embedded default)", () => {
    expect(authSessions).toBe(authSessionsSqlite);
    for (const table of [authSessions, authAccounts, authApiKeys, authVerificationTokens])
      expect(Object.keys(getTableColumns(table)).length).toBeGreaterThan(2);
    expect(Object.keys(getTableColumns(authApiKeys))).toEqual([
      "id",
      "userId",
      "name",
      "keyHash",
      "keyPrefix",
      "scopes",
      "createdAt",
      "expiresAt",
      "lastUsedAt",
      "revokedAt",
    ]);
    expect(Object.keys(getTableColumns(authAccounts))).toEqual([
      "userId",
      "type",
      "provider",
      "providerAccountId",
      "refresh_token",
      "access_token",
      "expires_at",
      "token_type",
      "scope",
      "id_token",
      "session_state",
    ]);
  });
});

describe("canonical DDL", () => {
  // The SHA-256 of the canonical statements: any change to the text, however small, fails here.
  const FROZEN = {
    sqlite: "bec9eca60ac4cbb08f415ce18159e5101d14b6968a0abbb958ab9e7936e0bd5f",
    pg: "d272fda6afd25d9a55be3d5f1626d4b609f5a235a0df9619c4ccc4e7fa135a0a",
  };
  const digest = (statements: readonly string[]) => createHash("sha256").update(statements.join(";\n")).digest("hex");

  it("is frozen text: the statements never change between releases", () => {
    for (const dialect of ["sqlite", "pg"] as const)
      expect(digest(canonicalInternalDdl(dialect)), dialect).toBe(FROZEN[dialect]);
  });

  it("says exactly what the Drizzle definitions say", () => {
    for (const dialect of ["sqlite", "pg"] as const) {
      const tables = ["sessions", "accounts", "apiKeys", "verificationTokens"] as const;
      const generated = createTablesSql(
        tables.map((kind) => builtInInternalTable(kind, dialect).table),
        dialect,
      );
      expect([...canonicalInternalDdl(dialect)].sort()).toEqual([...generated].sort());
    }
  });
});

for (const target of databaseTargets) {
  const available = await runs(target);
  describe.skipIf(!available)(`migrateInternal [${target.name}]`, () => {
    const opened: StoreDatabase[] = [];
    async function open(): Promise<StoreDatabase> {
      const database = await target.open();
      opened.push(database);
      return database;
    }
    afterEach(async () => {
      for (const database of opened.splice(0)) await database.close();
    });

    async function tableNames(database: StoreDatabase): Promise<string[]> {
      const rows =
        database.dialect === "sqlite"
          ? await database.query(`select name from sqlite_master where type = 'table' order by name`)
          : await database.query(
              `select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`,
            );
      // D1 keeps its own metadata in `_cf_*` tables of every database.
      return rows.map((row) => String(row.name)).filter((name) => !name.startsWith("_cf_"));
    }
    async function indexNames(database: StoreDatabase): Promise<string[]> {
      const rows =
        database.dialect === "sqlite"
          ? await database.query(
              `select name from sqlite_master where type = 'index' and name not like 'sqlite_%' order by name`,
            )
          : await database.query(
              `select indexname as name from pg_indexes where schemaname = current_schema() and indexname not like '%_pkey' and indexname not like '%_pk' order by indexname`,
            );
      return rows.map((row) => String(row.name));
    }

    it("Defaults are unchanged: with no internalSchema, the built-in tables and the byte-for-byte original migration DDL are used; createCovara({ internalSchema }) is for migration/introspection and never silently rewires a pre-built store", async () => {
      const database = await open();
      const result = await migrateInternal(database.db);
      expect(result.mode).toBe("canonical");
      expect(result.statements).toEqual(canonicalInternalDdl(database.dialect));
      expect(await tableNames(database)).toEqual([
        "auth_accounts",
        "auth_api_keys",
        "auth_sessions",
        "auth_verification_tokens",
      ]);
      expect(await indexNames(database)).toEqual([
        "auth_accounts_user_id_idx",
        "auth_api_keys_key_prefix_idx",
        "auth_api_keys_user_id_idx",
        "auth_sessions_expires_at_idx",
        "auth_sessions_user_id_idx",
        "auth_verification_tokens_token_idx",
      ]);

      // A store built first, then an app given a different schema: the store keeps its table.
      const store = createDrizzleSessionStore({ db: database.db });
      const custom = defineInternalSchema(sessionsOverride(database.dialect));
      const app = createCovara({ internalSchema: custom });
      expect(getInternalSchema(app)).toBe(custom);
      expect(getInternalSchema(createCovara())).toBeUndefined();
      await store.create({
        id: "pre-built",
        userId: "u",
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + HOUR),
      });
      expect((await database.query(`select id from "auth_sessions"`)).map((r) => r.id)).toEqual(["pre-built"]);
      expect(await tableNames(database)).not.toContain("my_sessions");
    });

    it("is idempotent: running it again changes nothing and keeps the data", async () => {
      const database = await open();
      await migrateInternal(database.db);
      const store = createDrizzleSessionStore({ db: database.db });
      await store.create({ id: "kept", userId: "u", createdAt: new Date(), expiresAt: new Date(Date.now() + HOUR) });
      await migrateInternal(database.db);
      await migrateInternal(database.db, { dialect: database.dialect });
      expect(await store.get("kept")).not.toBeNull();
    });

    it("creates tables that hold what the definitions describe, with the compound keys enforced", async () => {
      const database = await open();
      await migrateInternal(database.db);
      const accounts = database.dialect === "sqlite" ? authAccounts : authAccountsPg;
      const row = {
        userId: "u1",
        type: "oauth",
        provider: "github",
        providerAccountId: "42",
        access_token: "t",
        expires_at: 1_700_000_000,
      };
      const db = database.db as unknown as {
        insert(t: unknown): { values(v: unknown): Promise<unknown> };
        select(): { from(t: unknown): Promise<unknown[]> };
      };
      await db.insert(accounts).values(row);
      await expect(db.insert(accounts).values({ ...row, userId: "u2" })).rejects.toThrow();
      expect(await db.select().from(accounts)).toMatchObject([row]);
    });

    it("Migration safety: generated DDL (migrateInternal mode c) covers single-primary-key tables only and throws for compound-PK tables (auth_accounts, auth_verification_tokens) rather than emitting an incorrect schema; managedExternally: true makes migration a no-op", async () => {
      const database = await open();
      const dialect = database.dialect;
      const tokens = dialect === "sqlite" ? myTokensSqlite : myTokensPg;
      const accounts = dialect === "sqlite" ? myAccountsSqlite : myAccountsPg;

      // Compound primary keys: refused before anything runs.
      const withTokens = defineInternalSchema({ dialect, verificationTokens: { table: tokens } });
      await expect(migrateInternal(database.db, { schema: withTokens })).rejects.toThrow(
        /^migrateInternal: "my_tokens" \(internalSchema\.verificationTokens\) has a compound primary key.*managedExternally: true/,
      );
      const withAccounts = defineInternalSchema({ dialect, accounts: { table: accounts } });
      await expect(migrateInternal(database.db, { schema: withAccounts })).rejects.toThrow(
        /"my_accounts" \(internalSchema\.accounts\) has a compound primary key/,
      );
      expect(await tableNames(database)).toEqual([]);

      // managedExternally: nothing at all, even with the compound-key overrides.
      const external = defineInternalSchema({
        dialect,
        verificationTokens: { table: tokens },
        managedExternally: true,
      });
      expect(await migrateInternal(database.db, { schema: external })).toEqual({
        mode: "managed-externally",
        statements: [],
      });
      expect(await tableNames(database)).toEqual([]);

      // Mode c: the overridden single-key table from its definition (no indexes), the rest canonical.
      const custom = defineInternalSchema(sessionsOverride(dialect));
      const result = await migrateInternal(database.db, { schema: custom });
      expect(result.mode).toBe("generated");
      expect(result.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS "my_sessions"/);
      expect(result.statements.some((s) => /INDEX[^"]*"my_sessions/.test(s) || /ON "my_sessions"/.test(s))).toBe(false);
      expect(await tableNames(database)).toEqual([
        "auth_accounts",
        "auth_api_keys",
        "auth_verification_tokens",
        "my_sessions",
      ]);
      expect(await indexNames(database)).not.toContain("auth_sessions_user_id_idx");
      // And the store works over it.
      const store = createDrizzleSessionStore({ db: database.db, resolver: custom.sessions });
      await store.create({
        id: "c1",
        userId: "u",
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + HOUR),
        data: { a: 1 },
      });
      expect(await store.get("c1")).toMatchObject({ id: "c1", data: { a: 1 } });
    });

    it("refuses a schema for the other dialect", async () => {
      const database = await open();
      const other = defineInternalSchema({ dialect: database.dialect === "sqlite" ? "pg" : "sqlite" });
      await expect(migrateInternal(database.db, { schema: other })).rejects.toThrow(/the schema is for/);
    });

    it("Users/files are app-owned: the framework never owns a users table (reached via getUserById) or a files table (supplied to fileResource); the changelog and rate limits are KV/memory-backed, not database tables", async () => {
      const database = await open();
      const { statements } = await migrateInternal(database.db);
      const created = await tableNames(database);
      expect(created.every((name) => name.startsWith("auth_"))).toBe(true);
      for (const appOwned of ["users", "files", "changelog", "rate_limits"]) {
        expect(created).not.toContain(appOwned);
        expect(statements.join("\n")).not.toMatch(new RegExp(`"${appOwned}"`));
      }
      expect(Object.keys(defineInternalSchema({ dialect: database.dialect }))).toEqual([
        "dialect",
        "managedExternally",
        "sessions",
        "accounts",
        "apiKeys",
        "verificationTokens",
      ]);
    });
  });
}

describe("internalMigrationStatements", () => {
  it("previews what migrateInternal would run, with the same checks", () => {
    expect(internalMigrationStatements(undefined, "sqlite").statements).toEqual(canonicalInternalDdl("sqlite"));
    const compound = defineInternalSchema({ dialect: "sqlite", verificationTokens: { table: myTokensSqlite } });
    expect(() => internalMigrationStatements(compound, "sqlite")).toThrow(InternalSchemaError);
  });
});
