/**
 * Real databases for the RSQL kernel tests: the same logical table on better-sqlite3 (in memory)
 * and PGlite, with helpers to load rows and run a compiled filter on each.
 */
import Database from "better-sqlite3";
import { type Column, type SQL, asc, getTableColumns } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import * as pg from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import * as lite from "drizzle-orm/sqlite-core";
import type { Dialect as RsqlDialect } from "../../../src/kernel/dialect";
import { compileToSql } from "../../../src/kernel/rsql/index.js";
import { openPglite } from "../../helpers/pglite";

export const sqliteItems = lite.sqliteTable("items", {
  id: lite.integer("id").primaryKey(),
  name: lite.text("name").notNull(),
  title: lite.text("title"),
  age: lite.integer("age"),
  score: lite.real("score"),
  active: lite.integer("active", { mode: "boolean" }),
  createdAt: lite.integer("created_at", { mode: "timestamp" }),
  meta: lite.text("meta", { mode: "json" }),
});

export const pgItems = pg.pgTable("items", {
  id: pg.integer("id").primaryKey(),
  name: pg.text("name").notNull(),
  title: pg.text("title"),
  age: pg.integer("age"),
  score: pg.doublePrecision("score"),
  active: pg.boolean("active"),
  createdAt: pg.timestamp("created_at", { mode: "date", withTimezone: true }),
  meta: pg.jsonb("meta"),
});

export interface ItemRow {
  id: number;
  name: string;
  title: string | null;
  age: number | null;
  score: number | null;
  active: boolean | null;
  createdAt: Date | null;
  meta?: unknown;
}

export interface TestDb {
  dialect: RsqlDialect;
  fields: Record<string, Column>;
  /** Replaces the table's rows. */
  load(rows: ItemRow[]): Promise<void>;
  /** Rows as drizzle returns them, ordered by id. */
  rows(): Promise<ItemRow[]>;
  /** Ids matching a raw SQL condition. */
  idsWhere(condition: SQL): Promise<number[]>;
  close(): Promise<void>;
  /** The query text and params drizzle would send. */
  toQuery(condition: SQL): { sql: string; params: unknown[] };
  tableExists(): Promise<boolean>;
}

export function createSqliteDb(): TestDb {
  const client = new Database(":memory:");
  client.exec(`create table items (
    id integer primary key, name text not null, title text, age integer, score real,
    active integer, created_at integer, meta text)`);
  const db = drizzleSqlite(client);
  return {
    dialect: "sqlite",
    fields: getTableColumns(sqliteItems),
    async load(rows) {
      db.delete(sqliteItems).run();
      if (rows.length > 0) db.insert(sqliteItems).values(rows).run();
    },
    async rows() {
      return db.select().from(sqliteItems).orderBy(asc(sqliteItems.id)).all();
    },
    async idsWhere(condition) {
      return db
        .select({ id: sqliteItems.id })
        .from(sqliteItems)
        .where(condition)
        .orderBy(asc(sqliteItems.id))
        .all()
        .map((r) => r.id);
    },
    toQuery(condition) {
      return db.select().from(sqliteItems).where(condition).toSQL();
    },
    async tableExists() {
      const row = client.prepare("select count(*) as n from sqlite_master where name = 'items'").get() as { n: number };
      return row.n === 1;
    },
    async close() {
      client.close();
    },
  };
}

export async function createPgliteDb(): Promise<TestDb> {
  const client = await openPglite();
  await client.exec(`create table items (
    id integer primary key, name text not null, title text, age integer, score double precision,
    active boolean, created_at timestamptz, meta jsonb)`);
  const db = drizzlePglite(client);
  return {
    dialect: "pg",
    fields: getTableColumns(pgItems),
    async load(rows) {
      await db.delete(pgItems);
      if (rows.length > 0) await db.insert(pgItems).values(rows);
    },
    async rows() {
      return db.select().from(pgItems).orderBy(asc(pgItems.id));
    },
    async idsWhere(condition) {
      const rows = await db.select({ id: pgItems.id }).from(pgItems).where(condition).orderBy(asc(pgItems.id));
      return rows.map((r) => r.id);
    },
    toQuery(condition) {
      return db.select().from(pgItems).where(condition).toSQL();
    },
    async tableExists() {
      const res = await client.query<{ n: number }>(
        "select count(*)::int as n from pg_tables where tablename = 'items'",
      );
      return res.rows[0]?.n === 1;
    },
    async close() {
      await client.close();
    },
  };
}

/** Compiles `node` for `db` and returns the matching ids. */
export async function sqlIds(db: TestDb, node: Parameters<typeof compileToSql>[0]): Promise<number[]> {
  return db.idsWhere(compileToSql(node, { fields: db.fields, dialect: db.dialect }));
}

const d = (iso: string) => new Date(iso);

/** A small, hand-picked data set covering case, wildcards, quotes, nulls and empty strings. */
export const SAMPLE_ROWS: ItemRow[] = [
  {
    id: 1,
    name: "Alice",
    title: "Hello World",
    age: 30,
    score: 4.5,
    active: true,
    createdAt: d("2024-01-15T10:00:00Z"),
  },
  {
    id: 2,
    name: "bob",
    title: "hello there",
    age: 17,
    score: 2.25,
    active: false,
    createdAt: d("2023-06-01T00:00:00Z"),
  },
  { id: 3, name: "Carol", title: null, age: null, score: null, active: null, createdAt: null },
  { id: 4, name: "dave", title: "50% off_now", age: 65, score: -1, active: true, createdAt: d("2024-12-31T23:59:59Z") },
  {
    id: 5,
    name: "Eve",
    title: `it's "quoted"`,
    age: 18,
    score: 0,
    active: false,
    createdAt: d("2024-01-31T00:00:00Z"),
  },
  { id: 6, name: "ALICE", title: "", age: 45, score: 100, active: true, createdAt: d("2025-02-01T12:30:00Z") },
  { id: 7, name: "a\\b*c?[d]", title: "ﬀ", age: 0, score: 0.5, active: null, createdAt: d("2024-01-31T10:00:00Z") },
  { id: 8, name: "Zoë", title: "𝒳 wide", age: -3, score: 1e10, active: false, createdAt: d("2020-02-29T08:00:00Z") },
];
