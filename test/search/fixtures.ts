/**
 * Search test fixtures: an `articles` table per dialect (a fresh, uniquely named one per test, so
 * FTS tables, GIN indexes and outboxes never collide between tests or parallel files), an app over
 * it with a header-based identity, and a describe per dialect that opens one database for all.
 */
import { sql, type Table } from "drizzle-orm";
import { pgTable, serial, integer as pgInteger, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { pushTables } from "../../src/db";
import { errorHandler, notFoundHandler } from "../../src/kernel/error-handler";
import { createResourceRouter, type ResourceConfig } from "../../src/resource";
import type { CovaraEnv } from "../../src/kernel/http";
import { search, type ResourceSearch } from "../../src/search";
import { searchOf } from "../../src/search/extension";
import type { Dialect } from "../../src/kernel/dialect";
import { dialectTargets, type TestDatabase } from "../helpers/dialects";
import { registerFor } from "../helpers/drivers";

export function sqliteArticles(name: string) {
  return sqliteTable(name, {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    body: text("body"),
    ownerId: integer("owner_id"),
    secret: text("secret"),
    version: integer("version").notNull().default(1),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  });
}

export function pgArticles(name: string) {
  return pgTable(name, {
    id: serial("id").primaryKey(),
    title: pgText("title").notNull(),
    body: pgText("body"),
    ownerId: pgInteger("owner_id"),
    secret: pgText("secret"),
    version: pgInteger("version").notNull().default(1),
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
  });
}

export type ArticlesTable = ReturnType<typeof sqliteArticles> | ReturnType<typeof pgArticles>;
export type ArticlesConfig = Partial<ResourceConfig<ArticlesTable>>;

export const OPEN = { public: { read: true, create: true, update: true, delete: true } } as const;

export const ARTICLES = [
  {
    title: "Sourdough bread basics",
    body: "Flour, water, salt and a lively starter make good bread.",
    ownerId: 1,
    secret: "crumb",
  },
  { title: "Bread and butter", body: "A quick note on salted butter.", ownerId: 2, secret: "churn" },
  { title: "Growing tomatoes", body: "Tomatoes need sun, water and patience.", ownerId: 1, secret: "vine" },
  {
    title: "Baking bread, more bread",
    body: "Bread rolls, bread loaves, bread everywhere.",
    ownerId: 2,
    secret: "oven",
  },
  { title: "Coffee notes", body: "Espresso, filter and a little patience.", ownerId: 3, secret: "bean" },
];

let sequence = 0;

/** A unique, SQL-safe name for this test's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${++sequence}_${Math.random().toString(36).slice(2, 7)}`;
}

export interface SearchFixture {
  t: TestDatabase;
  /** Creates a fresh articles table for one test. */
  articles(): Promise<ArticlesTable>;
  /** The app over a table: `/api/articles`, identity from `x-test-user` (JSON). */
  app(table: ArticlesTable, config?: ArticlesConfig): { app: Hono<CovaraEnv>; indexed: ResourceSearch | undefined };
}

const reasons = await Promise.all(dialectTargets.map((target) => target.skipReason()));
for (const [i, reason] of reasons.entries()) {
  if (reason) console.warn(`[covara tests] skipping ${dialectTargets[i]!.name}: ${reason}`);
}

/** Runs `body` once per dialect (skipping unreachable ones with their reason), with fresh tables per test. */
export function eachSearchDialect(title: string, body: (fixture: () => SearchFixture, dialect: Dialect) => void): void {
  for (const [i, target] of dialectTargets.entries()) {
    describe.skipIf(reasons[i] !== null)(`${title} [${target.name}]`, () => {
      let t: TestDatabase | undefined;
      const dropped: string[] = [];
      const mounted: ResourceSearch[] = [];
      beforeAll(async () => {
        t = await target.open();
      });
      afterEach(() => {
        for (const indexed of mounted.splice(0)) indexed.stop();
      });
      afterAll(async () => {
        if (!t) return;
        // Server drivers keep the tables in their own schema, dropped on close; PGlite and SQLite vanish.
        await t.close();
      });
      const fixture: SearchFixture = {
        get t() {
          return t!;
        },
        async articles() {
          const name = uniqueName("articles");
          const table = t!.dialect === "sqlite" ? sqliteArticles(name) : pgArticles(name);
          await pushTables(t!.db, [table as Table]);
          dropped.push(name);
          return table;
        },
        app(table, config = {}) {
          const { router, handle } = createResourceRouter(
            table as Table,
            { id: table.id, db: t!.db, name: "articles", auth: OPEN, ...config } as ResourceConfig<Table>,
            { extensions: [search()] },
          );
          const indexed = searchOf(handle);
          if (indexed) mounted.push(indexed);
          const app = new Hono<CovaraEnv>();
          app.onError(errorHandler);
          app.notFound(notFoundHandler);
          app.use("*", async (c, next) => {
            const header = c.req.header("x-test-user");
            c.set("user", header ? JSON.parse(header) : null);
            await next();
          });
          app.route("/api/articles", router);
          return { app, indexed };
        },
      };
      registerFor(target.name, () => body(() => fixture, target.dialect));
    });
  }
}

/** Runs raw SQL on the test database, whatever its dialect. */
export async function execute(t: TestDatabase, text: string): Promise<void> {
  if (t.dialect === "sqlite") await (t.db as unknown as { run(q: unknown): unknown }).run(sql.raw(text));
  else await (t.db as unknown as { execute(q: unknown): Promise<unknown> }).execute(sql.raw(text));
}

/** Drops a helper table created outside `articles()` (outbox tables on the real Postgres). */
export async function dropTable(t: TestDatabase, name: string): Promise<void> {
  if (t.dialect === "pg") await execute(t, `drop table if exists "${name}" cascade`);
}
