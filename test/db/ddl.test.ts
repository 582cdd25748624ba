import Database from "better-sqlite3";
import { eq, sql, type Table } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer as pgInteger,
  jsonb,
  pgEnum,
  pgSchema,
  pgTable,
  primaryKey,
  serial,
  text as pgText,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import {
  blob,
  check as sqliteCheck,
  index as sqliteIndex,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex as sqliteUniqueIndex,
} from "drizzle-orm/sqlite-core";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTablesSql, detectDialect, type DrizzleDatabase, pushTables, seedTable } from "../../src/db";
import { openPglite } from "../helpers/pglite";

// ---------------------------------------------------------------------------------------------
// One logical schema per dialect: same JS keys, so the round-trip tests below serve both.

function sqliteTables(prefix: string) {
  const users = sqliteTable(`${prefix}users`, {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull().unique(),
    name: text("name"),
    role: text("role", { enum: ["member", "admin"] })
      .notNull()
      .default("member"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    score: real("score").default(1.5),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
    settings: text("settings", { mode: "json" }).$type<{ theme: string }>().default({ theme: "light" }),
  });
  const posts = sqliteTable(
    `${prefix}posts`,
    {
      id: text("id").primaryKey(),
      authorId: integer("author_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      title: text("title").notNull(),
      publishedAt: integer("published_at", { mode: "timestamp" }),
      meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
      views: integer("views").notNull().default(0),
    },
    (t) => [
      sqliteIndex(`${prefix}posts_author_idx`).on(t.authorId),
      sqliteUniqueIndex(`${prefix}posts_author_title_uq`).on(t.authorId, t.title),
    ],
  );
  return { users, posts };
}

function pgTables(prefix: string, schemaName?: string) {
  const schema = schemaName === undefined ? undefined : pgSchema(schemaName);
  const table = (schema?.table ?? pgTable) as typeof pgTable;
  const role = schema
    ? schema.enum(`${prefix}role`, ["member", "admin"])
    : pgEnum(`${prefix}role`, ["member", "admin"]);
  const users = table(`${prefix}users`, {
    id: pgInteger("id").primaryKey().generatedByDefaultAsIdentity(),
    email: pgText("email").notNull().unique(),
    name: pgText("name"),
    role: role("role").notNull().default("member"),
    active: boolean("active").notNull().default(true),
    score: doublePrecision("score").default(1.5),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    settings: jsonb("settings").$type<{ theme: string }>().default({ theme: "light" }),
    tags: pgText("tags").array().notNull().default([]),
  });
  const posts = table(
    `${prefix}posts`,
    {
      id: uuid("id").primaryKey().defaultRandom(),
      authorId: pgInteger("author_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      title: pgText("title").notNull(),
      publishedAt: timestamp("published_at", { mode: "date" }),
      meta: jsonb("meta").$type<Record<string, unknown>>(),
      views: pgInteger("views").notNull().default(0),
    },
    (t) => [
      index(`${prefix}posts_author_idx`).on(t.authorId),
      unique(`${prefix}posts_author_title_uq`).on(t.authorId, t.title),
      check(`${prefix}posts_views_nonnegative`, sql`${t.views} >= 0`),
    ],
  );
  const postTags = table(
    `${prefix}post_tags`,
    {
      postId: uuid("post_id")
        .notNull()
        .references(() => posts.id, { onDelete: "cascade" }),
      tag: pgText("tag").notNull(),
    },
    (t) => [primaryKey({ columns: [t.postId, t.tag] })],
  );
  const counters = table(`${prefix}counters`, { id: serial("id").primaryKey(), label: pgText("label") });
  return { users, posts, postTags, counters };
}

// ---------------------------------------------------------------------------------------------
// Generated SQL, checked as text.

describe("createTablesSql", () => {
  it("renders SQLite tables: autoincrement, defaults, unique, references, indexes", () => {
    const { users, posts } = sqliteTables("s_");
    const statements = createTablesSql([posts, users], "sqlite");
    expect(statements).toHaveLength(4);
    const [usersSql, postsSql, ...indexes] = statements;
    // Referenced tables come first, whatever order they were given in.
    expect(usersSql).toContain('CREATE TABLE IF NOT EXISTS "s_users"');
    expect(usersSql).toContain('"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL');
    expect(usersSql).toContain('"email" text NOT NULL');
    expect(usersSql).toContain('CONSTRAINT "s_users_email_unique" UNIQUE ("email")');
    expect(usersSql).toMatch(/"name" text,/);
    expect(usersSql).toContain(`"role" text NOT NULL DEFAULT 'member'`);
    expect(usersSql).toContain('"active" integer NOT NULL DEFAULT 1');
    expect(usersSql).toContain('"score" real DEFAULT 1.5');
    expect(usersSql).toContain('"created_at" integer NOT NULL DEFAULT ((unixepoch() * 1000))');
    expect(usersSql).toContain(`"settings" text DEFAULT '{"theme":"light"}'`);
    expect(postsSql).toContain('"id" text PRIMARY KEY NOT NULL');
    expect(postsSql).toMatch(/FOREIGN KEY \("author_id"\) REFERENCES "s_users"\("id"\) ON DELETE CASCADE/);
    expect(indexes).toEqual([
      'CREATE INDEX IF NOT EXISTS "s_posts_author_idx" ON "s_posts" ("author_id")',
      'CREATE UNIQUE INDEX IF NOT EXISTS "s_posts_author_title_uq" ON "s_posts" ("author_id", "title")',
    ]);
  });

  it("renders Postgres tables: schema, enum, identity, serial, now(), arrays, checks, composite keys", () => {
    const { users, posts, postTags, counters } = pgTables("p_", "app");
    const statements = createTablesSql([postTags, counters, posts, users], "pg");
    expect(statements[0]).toBe('CREATE SCHEMA IF NOT EXISTS "app"');
    expect(statements[1]).toBe(
      `DO $$ BEGIN CREATE TYPE "app"."p_role" AS ENUM ('member', 'admin'); EXCEPTION WHEN duplicate_object THEN null; END $$`,
    );
    const tableSql = statements.filter((s) => s.startsWith("CREATE TABLE"));
    expect(tableSql.map((s) => /"app"\."(\w+)"/.exec(s)?.[1])).toEqual([
      "p_users",
      "p_posts",
      "p_post_tags",
      "p_counters",
    ]);
    const [usersSql, postsSql, postTagsSql, countersSql] = tableSql;
    expect(usersSql).toContain('"id" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY NOT NULL');
    expect(usersSql).toContain(`"role" "app"."p_role" NOT NULL DEFAULT 'member'`);
    expect(usersSql).toContain('"active" boolean NOT NULL DEFAULT TRUE');
    expect(usersSql).toContain('"created_at" timestamp with time zone NOT NULL DEFAULT (now())');
    expect(usersSql).toContain(`"settings" jsonb DEFAULT '{"theme":"light"}'`);
    expect(usersSql).toContain(`"tags" text[] NOT NULL DEFAULT '{}'`);
    expect(postsSql).toContain('"id" uuid PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid())');
    expect(postsSql).toContain('REFERENCES "app"."p_users"("id") ON DELETE CASCADE');
    expect(postsSql).toContain('CONSTRAINT "p_posts_author_title_uq" UNIQUE ("author_id", "title")');
    expect(postsSql).toContain('CONSTRAINT "p_posts_views_nonnegative" CHECK ("views" >= 0)');
    expect(postTagsSql).toMatch(/CONSTRAINT "\w+" PRIMARY KEY \("post_id", "tag"\)/);
    expect(postTagsSql).not.toContain('"post_id" uuid PRIMARY KEY');
    expect(countersSql).toContain('"id" serial PRIMARY KEY NOT NULL');
    expect(statements.at(-1)).toBe('CREATE INDEX IF NOT EXISTS "p_posts_author_idx" ON "app"."p_posts" ("author_id")');
  });

  it("leaves tables in the public schema unqualified", () => {
    const { users } = pgTables("q_");
    const statements = createTablesSql([users], "pg");
    expect(statements[0]).toContain('CREATE TYPE "q_role"');
    expect(statements[1]).toContain('CREATE TABLE IF NOT EXISTS "q_users"');
  });

  it("creates enums used through arrays and spells index order only when it is not the default", () => {
    const mood = pgEnum("mood", ["calm", "busy"]);
    const t = pgTable(
      "moods",
      {
        id: pgInteger("id").primaryKey(),
        history: mood("history").array(),
        name: pgText("name"),
        rank: pgInteger("rank"),
      },
      (c) => [
        index().using("hash", c.name),
        index("moods_rank_desc").on(c.rank.desc()),
        index("moods_lower_name").on(sql`lower(${c.name})`).where(sql`${c.rank} > 0`),
      ],
    );
    const statements = createTablesSql([t], "pg");
    expect(statements[0]).toContain('CREATE TYPE "mood"');
    expect(statements[1]).toContain('"history" "mood"[]');
    expect(statements.slice(2)).toEqual([
      'CREATE INDEX IF NOT EXISTS "moods_name_index" ON ONLY "moods" USING hash ("name")',
      'CREATE INDEX IF NOT EXISTS "moods_rank_desc" ON "moods" ("rank" DESC NULLS LAST)',
      'CREATE INDEX IF NOT EXISTS "moods_lower_name" ON "moods" ((lower("name"))) WHERE "rank" > 0',
    ]);
  });

  it("renders identity options, generated columns, blobs and checks", () => {
    const pgT = pgTable("gen", {
      id: pgInteger("id").primaryKey().generatedAlwaysAsIdentity({ startWith: 10, increment: 2 }),
      full: pgText("full").generatedAlwaysAs(sql`'x' || 'y'`),
      quoted: pgText("quoted").default("it's"),
      negative: pgInteger("negative").default(-5),
    });
    const pgSql = createTablesSql([pgT], "pg")[0]!;
    expect(pgSql).toContain(
      '"id" integer GENERATED ALWAYS AS IDENTITY (INCREMENT BY 2 START WITH 10) PRIMARY KEY NOT NULL',
    );
    expect(pgSql).toContain(`"full" text GENERATED ALWAYS AS ('x' || 'y') STORED`);
    expect(pgSql).toContain(`"quoted" text DEFAULT 'it''s'`);
    expect(pgSql).toContain('"negative" integer DEFAULT -5');
    const liteT = sqliteTable(
      "gen",
      {
        id: integer("id").primaryKey(),
        bytes: blob("bytes", { mode: "buffer" }).default(Buffer.from([1, 171])),
        upper: text("upper").generatedAlwaysAs(sql`upper('x')`),
      },
      (c) => [sqliteCheck("gen_id_positive", sql`${c.id} > 0`)],
    );
    const liteSql = createTablesSql([liteT], "sqlite")[0]!;
    expect(liteSql).toContain(`"bytes" blob DEFAULT X'01ab'`);
    expect(liteSql).toContain(`"upper" text GENERATED ALWAYS AS (upper('x')) VIRTUAL`);
    expect(liteSql).toContain('CONSTRAINT "gen_id_positive" CHECK ("id" > 0)');
  });

  it("quotes identifiers that need it", () => {
    const odd = sqliteTable('we"ird table', { id: integer("select").primaryKey(), v: text('a"b') });
    expect(createTablesSql([odd], "sqlite")[0]).toBe(
      'CREATE TABLE IF NOT EXISTS "we""ird table" (\n  "select" integer PRIMARY KEY NOT NULL,\n  "a""b" text\n)',
    );
  });

  it("applies a casing option to columns declared without a name", () => {
    const events = sqliteTable("events", { eventId: integer().primaryKey(), createdAt: integer().notNull() }, (t) => [
      sqliteIndex("events_created_idx").on(t.createdAt),
    ]);
    const [tableSql, indexSql] = createTablesSql([events], "sqlite", { casing: "snake_case" });
    expect(tableSql).toContain('"event_id" integer PRIMARY KEY');
    expect(tableSql).toContain('"created_at" integer NOT NULL');
    expect(indexSql).toContain('("created_at")');
  });

  it("refuses a table of the other dialect", () => {
    const { users } = sqliteTables("x_");
    expect(() => createTablesSql([users], "pg")).toThrow(/table "x_users" is not a Postgres table/);
    const pg = pgTables("y_");
    expect(() => createTablesSql([pg.users], "sqlite")).toThrow(/not a SQLite table/);
  });
});

// ---------------------------------------------------------------------------------------------
// Pushing and round-tripping rows on every driver.

/**
 * The union of driver and table types has no common call signatures for insert/select, so the
 * shared round-trip tests drive them untyped; the typed paths are drizzle's own business.
 */
type Untyped = any;

interface Harness {
  dialect: "sqlite" | "pg";
  db: Untyped;
  users: Untyped;
  posts: Untyped;
  /** Tables in an order that lists dependents first, to prove pushTables sorts them. */
  tables: Table[];
  postsTableName: string;
  schema: string | undefined;
  close(): Promise<void>;
}

/** Rows of a raw query, whichever shape the driver returns. */
async function rawRows(h: Harness, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  if (h.dialect === "sqlite") return h.db.all(query);
  const result = await h.db.execute(query);
  return Array.isArray(result) ? result : result.rows;
}

async function indexNames(h: Harness): Promise<string[]> {
  const rows =
    h.dialect === "sqlite"
      ? await rawRows(h, sql`select name from sqlite_master where type = 'index' and tbl_name = ${h.postsTableName}`)
      : await rawRows(
          h,
          sql`select indexname as name from pg_indexes where tablename = ${h.postsTableName} and schemaname = ${h.schema ?? "public"}`,
        );
  return rows.map((row) => String(row.name));
}

function roundTripSuite(name: string, open: () => Promise<Harness | string>) {
  describe(`pushTables + round trip: ${name}`, () => {
    let h: Harness;
    let skipped: string | undefined;

    beforeAll(async () => {
      const opened = await open();
      if (typeof opened === "string") {
        skipped = opened;
        return;
      }
      h = opened;
      await pushTables(h.db as DrizzleDatabase, h.tables);
    });

    afterAll(async () => {
      await h?.close();
    });

    const test = (title: string, body: () => Promise<void>) =>
      it(title, async (context) => {
        if (skipped !== undefined) {
          context.skip(skipped);
          return;
        }
        await body();
      });

    test("detects the dialect and pushes idempotently", async () => {
      expect(detectDialect(h.db)).toBe(h.dialect);
      await expect(pushTables(h.db as DrizzleDatabase, h.tables)).resolves.toBeUndefined();
    });

    test("creates the declared indexes", async () => {
      expect(await indexNames(h)).toEqual(expect.arrayContaining(["rt_posts_author_idx"]));
    });

    test("fills in defaults and reads rows back with their types", async () => {
      const before = Date.now() - 5_000;
      const [user] = await h.db.insert(h.users).values({ email: "ada@example.com" }).returning();
      expect(user).toMatchObject({
        email: "ada@example.com",
        name: null,
        role: "member",
        active: true,
        score: 1.5,
        settings: { theme: "light" },
      });
      expect(typeof user.id).toBe("number");
      expect(user.createdAt).toBeInstanceOf(Date);
      expect(user.createdAt.getTime()).toBeGreaterThan(before);
      const [second] = await h.db
        .insert(h.users)
        .values({
          email: "grace@example.com",
          name: "Grace",
          role: "admin",
          active: false,
          score: 2.25,
          settings: { theme: "dark" },
        })
        .returning();
      expect(second.id).toBeGreaterThan(user.id);
      const rows = await h.db.select().from(h.users).where(eq(h.users.id, second.id));
      expect(rows[0]).toMatchObject({
        name: "Grace",
        role: "admin",
        active: false,
        score: 2.25,
        settings: { theme: "dark" },
      });
    });

    test("round-trips text/uuid keys, foreign keys, timestamps and json", async () => {
      const [author] = await h.db.insert(h.users).values({ email: "linus@example.com" }).returning();
      const id = crypto.randomUUID();
      const publishedAt = new Date("2024-05-06T07:08:09.000Z");
      await h.db
        .insert(h.posts)
        .values({ id, authorId: author.id, title: "Hello", publishedAt, meta: { tags: ["a", "b"], n: 1 } });
      const [post] = await h.db.select().from(h.posts).where(eq(h.posts.id, id));
      expect(post).toEqual({
        id,
        authorId: author.id,
        title: "Hello",
        publishedAt,
        meta: { tags: ["a", "b"], n: 1 },
        views: 0,
      });
    });

    test("enforces unique, not-null and foreign-key constraints, and cascades deletes", async () => {
      await expect(h.db.insert(h.users).values({ email: "ada@example.com" })).rejects.toThrow();
      await expect(h.db.insert(h.users).values({ name: "no email" })).rejects.toThrow();
      await expect(
        h.db.insert(h.posts).values({ id: crypto.randomUUID(), authorId: 999_999, title: "orphan" }),
      ).rejects.toThrow();
      const [author] = await h.db.insert(h.users).values({ email: "temp@example.com" }).returning();
      await h.db.insert(h.posts).values({ id: crypto.randomUUID(), authorId: author.id, title: "t" });
      await expect(
        h.db.insert(h.posts).values({ id: crypto.randomUUID(), authorId: author.id, title: "t" }),
      ).rejects.toThrow();
      await h.db.delete(h.users).where(eq(h.users.id, author.id));
      expect(await h.db.select().from(h.posts).where(eq(h.posts.authorId, author.id))).toEqual([]);
    });

    test("seeds rows in chunks", async () => {
      const [author] = await h.db.insert(h.users).values({ email: "seed@example.com" }).returning();
      const rows = Array.from({ length: 2_500 }, (_, i) => ({
        id: crypto.randomUUID(),
        authorId: author.id,
        title: `p${i}`,
        views: i,
      }));
      await seedTable(h.db as DrizzleDatabase, h.posts, rows);
      await seedTable(
        h.db as DrizzleDatabase,
        h.posts,
        rows.slice(0, 20).map((r) => ({ ...r, id: crypto.randomUUID(), title: `${r.title}b` })),
        { chunkSize: 7 },
      );
      await seedTable(h.db as DrizzleDatabase, h.posts, []);
      const count = await h.db
        .select({ n: sql<number>`count(*)` })
        .from(h.posts)
        .where(eq(h.posts.authorId, author.id));
      expect(Number(count[0].n)).toBe(2_520);
      await expect(seedTable(h.db as DrizzleDatabase, h.posts, rows, { chunkSize: 0 })).rejects.toThrow(/chunkSize/);
    });

    if (name !== "better-sqlite3") {
      test("enforces Postgres checks, enums and composite keys", async () => {
        const [author] = await h.db
          .insert(h.users)
          .values({ email: "pg@example.com", tags: ["x", "y"] })
          .returning();
        expect(author.tags).toEqual(["x", "y"]);
        await expect(h.db.insert(h.posts).values({ authorId: author.id, title: "neg", views: -1 })).rejects.toThrow();
        await expect(h.db.insert(h.users).values({ email: "bad-role@example.com", role: "owner" })).rejects.toThrow();
        const [post] = await h.db.insert(h.posts).values({ authorId: author.id, title: "tagged" }).returning();
        expect(post.id).toMatch(/^[0-9a-f-]{36}$/);
        const postTags = h.tables.find((t) => t !== h.users && t !== h.posts && "tag" in t)!;
        await h.db.insert(postTags).values({ postId: post.id, tag: "a" });
        await expect(h.db.insert(postTags).values({ postId: post.id, tag: "a" })).rejects.toThrow();
      });
    }
  });
}

roundTripSuite("better-sqlite3", async () => {
  const client = new Database(":memory:");
  const db = drizzleSqlite(client);
  const { users, posts } = sqliteTables("rt_");
  return {
    dialect: "sqlite",
    db,
    users,
    posts,
    tables: [posts, users],
    postsTableName: "rt_posts",
    schema: undefined,
    close: async () => {
      client.close();
    },
  };
});

roundTripSuite("PGlite", async () => {
  const client = await openPglite();
  const db = drizzlePglite(client);
  const t = pgTables("rt_");
  return {
    dialect: "pg",
    db,
    users: t.users,
    posts: t.posts,
    tables: [t.postTags, t.posts, t.counters, t.users],
    postsTableName: "rt_posts",
    schema: undefined,
    close: () => client.close(),
  };
});

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

roundTripSuite("postgres-js (real Postgres)", async () => {
  const client = postgres(DATABASE_URL, { max: 2, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 }).catch(() => {});
    const reason = `Postgres unreachable at ${DATABASE_URL} (${(error as Error).message}); skipping real-Postgres DDL tests`;
    console.warn(reason);
    return reason;
  }
  // A schema per run keeps parallel runs apart and makes cleanup one DROP.
  const schema = `covara_ddl_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const db = drizzlePostgres(client);
  const t = pgTables("rt_", schema);
  return {
    dialect: "pg",
    db,
    users: t.users,
    posts: t.posts,
    tables: [t.postTags, t.posts, t.counters, t.users],
    postsTableName: "rt_posts",
    schema,
    close: async () => {
      await client.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end({ timeout: 5 });
    },
  };
});

describe("pushTables with the database's own casing", () => {
  it("creates snake_case columns when drizzle() was given casing", async () => {
    const client = new Database(":memory:");
    const db = drizzleSqlite(client, { casing: "snake_case" });
    const events = sqliteTable("events", { eventId: integer().primaryKey(), createdAt: integer().notNull() });
    await pushTables(db, [events]);
    const columns = client.prepare(`select name from pragma_table_info('events')`).all() as { name: string }[];
    expect(columns.map((c) => c.name)).toEqual(["event_id", "created_at"]);
    await db.insert(events).values({ eventId: 1, createdAt: 2 });
    expect(await db.select().from(events)).toEqual([{ eventId: 1, createdAt: 2 }]);
    client.close();
  });

  it("refuses something that is not a Drizzle database", () => {
    expect(() => detectDialect({})).toThrow(/unsupported database/);
  });
});
