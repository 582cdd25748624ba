import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { afterAll, describe, expect, it } from "vitest";
import * as covara from "../../src";
import {
  createCovara,
  createMemorySearch,
  createOpenSearch,
  createPostgresSearch,
  createSqliteFts5Search,
  searchOutboxDdl,
  type SearchConfig,
} from "../../src";
import { pushTables } from "../../src/db";
import { createResourceRouter } from "../../src/resource";
import { createContext } from "../../src/kernel/context";
import type { MutationListener } from "../../src/kernel/mutation-feed";
import { search as searchExtension } from "../../src/search";
import { searchOf } from "../../src/search/extension";
import { send } from "../helpers/app";
import { pgArticles, sqliteArticles, OPEN } from "./fixtures";
import { openPglite } from "../helpers/pglite";

const sqlite = drizzle(new Database(":memory:"));
const articles = sqliteArticles("articles");
await pushTables(sqlite, [articles]);
const pglite = await openPglite();
const pg = drizzlePglite(pglite);
afterAll(() => pglite.close());

type Search = SearchConfig<typeof articles>;
const mount = (search: Search | undefined, extra: Record<string, unknown> = {}) =>
  createResourceRouter(
    articles,
    { id: articles.id, db: sqlite, name: "articles", auth: OPEN, search, ...extra },
    { extensions: [searchExtension()] },
  );

describe("search configuration", () => {
  it("a resource without search answers GET /search with a 404 problem, and other methods with 405", async () => {
    const app = createCovara().resource("/articles", articles, { id: articles.id, db: sqlite, auth: OPEN });
    const res = await send(app, "GET", "/api/articles/search?q=bread");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body).toMatchObject({ code: "NOT_FOUND", detail: "Search is not configured for articles" });
    expect((await send(app, "DELETE", "/api/articles/search")).status).toBe(405);
  });

  it("refuses fields that are unknown, hidden, not text, repeated, or none at all", () => {
    const index = createMemorySearch();
    expect(() => mount({ index, fields: ["nope" as never] })).toThrow(/unknown column 'nope'/);
    expect(() => mount({ index, fields: ["secret"] }, { fields: { readable: ["id", "title", "body"] } })).toThrow(
      /'secret', which is not in fields.readable/,
    );
    expect(() => mount({ index, fields: ["ownerId"] })).toThrow(/'ownerId', which is not a text column/);
    expect(() => mount({ index, fields: ["title", "title"] })).toThrow(/'title' twice/);
    expect(() => mount({ index, fields: [] })).toThrow(/at least one column/);
    expect(() => mount({ index: {} as never, fields: ["title"] })).toThrow(/must be a search adapter/);
  });

  it("refuses an adapter for the other dialect, and an outbox on an in-database index", () => {
    expect(() => mount({ index: createPostgresSearch(), fields: ["title"] })).toThrow(
      /postgres search index on a database that is not Postgres/,
    );
    const pgTable = pgArticles("articles");
    expect(() =>
      createResourceRouter(
        pgTable,
        { id: pgTable.id, db: pg, search: { index: createSqliteFts5Search(), fields: ["title"] } },
        { extensions: [searchExtension()] },
      ),
    ).toThrow(/not SQLite/);
    expect(() => mount({ index: createSqliteFts5Search(), fields: ["title"], outbox: true })).toThrow(
      /outbox .* is for external indexes/,
    );
  });

  it("refuses malformed limits, outbox names and OpenSearch index names", () => {
    const index = createMemorySearch();
    expect(() => mount({ index, fields: ["title"], maxQueryLength: 0 })).toThrow(
      /maxQueryLength must be a positive integer/,
    );
    expect(() => mount({ index, fields: ["title"], maxResults: 1.5 })).toThrow(/maxResults/);
    expect(() => mount({ index, fields: ["title"], outbox: { table: "bad name; drop" } })).toThrow(
      /not a valid search outbox table name/,
    );
    expect(() => mount({ index, fields: ["title"], outbox: { intervalMs: -1, table: "ok_outbox" } })).toThrow(
      /intervalMs/,
    );
    expect(() =>
      mount({ index: createOpenSearch({ url: "http://127.0.0.1:9", index: "Upper Case" }), fields: ["title"] }),
    ).toThrow(/not a valid OpenSearch index name/);
    const pgTable = pgArticles("articles");
    const badConfig = { index: createPostgresSearch({ config: "english'; drop" }), fields: ["title" as const] };
    expect(() =>
      createResourceRouter(pgTable, { id: pgTable.id, db: pg, search: badConfig }, { extensions: [searchExtension()] }),
    ).toThrow(/not a text search configuration name/);
  });

  it("listens to committed writes only for resources whose external index needs them", () => {
    // A real app context whose feed counts the listeners it holds.
    const context = createContext();
    const listening = new Set<MutationListener>();
    const on = context.mutations.on.bind(context.mutations);
    context.mutations.on = (listener) => {
      listening.add(listener);
      const remove = on(listener);
      return () => {
        listening.delete(listener);
        return remove();
      };
    };
    const mountIn = (search: Search | undefined) =>
      createResourceRouter(
        articles,
        { id: articles.id, db: sqlite, name: "articles", auth: OPEN, search },
        { extensions: [searchExtension()], app: context },
      );
    const outbox = { table: "config_outbox", intervalMs: 0 };

    mountIn(undefined);
    mountIn({ index: createSqliteFts5Search({ table: "config_listen_fts" }), fields: ["title"] });
    mountIn({ index: createMemorySearch(), fields: ["title"], outbox: { ...outbox, process: false } });
    expect(listening.size).toBe(0);

    const fed = mountIn({ index: createMemorySearch(), fields: ["title"] });
    const drained = mountIn({ index: createMemorySearch(), fields: ["title"], outbox });
    expect(listening.size).toBe(2);
    // Stopping an index removes its listener.
    searchOf(fed.handle)!.stop();
    searchOf(drained.handle)!.stop();
    expect(listening.size).toBe(0);
  });

  it("the OpenAPI document lists GET /search (q required) only for resources that have search", async () => {
    const notes = sqliteArticles("notes");
    await pushTables(sqlite, [notes]);
    const app = createCovara()
      .resource("/articles", articles, {
        id: articles.id,
        db: sqlite,
        auth: OPEN,
        search: { index: createMemorySearch(), fields: ["title", "body"], maxQueryLength: 64 },
      })
      .resource("/notes", notes, { id: notes.id, db: sqlite, auth: OPEN });
    const doc = (await send(app, "GET", "/__covara/openapi.json")).body;
    const operation = doc.paths["/api/articles/search"].get;
    expect(operation.operationId).toBe("searchArticles");
    expect(operation.parameters[0]).toMatchObject({
      name: "q",
      in: "query",
      required: true,
      schema: { type: "string", minLength: 1, maxLength: 64 },
    });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "400", "503"]));
    expect(doc.paths["/api/notes/search"]).toBeUndefined();
  });

  it("search.fields is typed by the table's columns (checked by npm run typecheck)", () => {
    const good: SearchConfig<typeof articles> = { index: createMemorySearch(), fields: ["title", "body"] };
    // @ts-expect-error — 'nope' is not a column of the table
    const bad: SearchConfig<typeof articles> = { index: createMemorySearch(), fields: ["nope"] };
    expect([good.fields, bad.fields]).toHaveLength(2);
  });

  it("exports the adapters and the outbox DDL from the package root", () => {
    for (const name of [
      "createSqliteFts5Search",
      "createPostgresSearch",
      "createMemorySearch",
      "createOpenSearch",
      "drainSearchOutboxes",
      "rebuildSearchIndexes",
      "searchOutboxDdl",
    ]) {
      expect(typeof (covara as Record<string, unknown>)[name]).toBe("function");
    }
    expect(searchOutboxDdl("pg")[0]).toBe(
      `CREATE TABLE IF NOT EXISTS "covara_search_outbox" ("id" bigserial PRIMARY KEY, "resource" text NOT NULL, "row_id" text NOT NULL, "op" text NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now())`,
    );
    expect(searchOutboxDdl("sqlite", "my_outbox")[1]).toBe(
      `CREATE INDEX IF NOT EXISTS "my_outbox_resource_idx" ON "my_outbox" ("resource", "id")`,
    );
  });
});
