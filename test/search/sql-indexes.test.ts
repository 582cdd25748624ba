import fc from "fast-check";
import { getTableName, sql } from "drizzle-orm";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import {
  createMemorySearch,
  createPostgresSearch,
  createSqliteFts5Search,
  tsvectorExpression,
  type SearchAdapter,
} from "../../src/search";
import { pushTables } from "../../src/db";
import { send, type TestResponse } from "../helpers/app";
import { ARTICLES, eachSearchDialect, execute, uniqueName, type ArticlesTable, type SearchFixture } from "./fixtures";

const ids = (res: TestResponse) => (res.body.items as { id: number | string }[]).map((item) => item.id);

async function seeded(
  fixture: SearchFixture,
  adapter: SearchAdapter,
  fields: ("title" | "body")[] = ["title", "body"],
  table?: ArticlesTable,
) {
  const articles = table ?? (await fixture.articles());
  const { app, indexed } = fixture.app(articles, { search: { index: adapter, fields } });
  if (!table) for (const row of ARTICLES) await send(app, "POST", "/api/articles", { body: row });
  const search = async (q: string) => send(app, "GET", `/api/articles/search?q=${encodeURIComponent(q)}`);
  return { app, indexed, table: articles, name: getTableName(articles), search };
}

eachSearchDialect("search SQL indexes", (fixture, dialect) => {
  describe.runIf(dialect === "sqlite")("sqlite-fts5", () => {
    it("writes from outside the resource reach the index through its triggers", async () => {
      const { name, search } = await seeded(fixture(), createSqliteFts5Search());
      await execute(fixture().t, `insert into "${name}" ("title", "body") values ('Pickled radish', 'brine')`);
      expect(ids(await search("radish"))).toEqual([6]);
      await execute(fixture().t, `update "${name}" set "title" = 'Pickled turnip' where "id" = 6`);
      expect(ids(await search("radish"))).toEqual([]);
      expect(ids(await search("turnip"))).toEqual([6]);
      await execute(fixture().t, `delete from "${name}" where "id" = 6`);
      expect(ids(await search("turnip"))).toEqual([]);
    });

    it("setup leaves a current index alone, and recreates a changed or damaged one", async () => {
      const first = await seeded(fixture(), createSqliteFts5Search(), ["title"]);
      expect(ids(await first.search("flour"))).toEqual([]);
      // Another field list: the FTS table is recreated and rebuilt from the rows.
      const widened = await seeded(fixture(), createSqliteFts5Search(), ["title", "body"], first.table);
      expect(ids(await widened.search("flour"))).toEqual([1]);
      // Same definition: nothing is rebuilt (an entry removed by hand stays removed).
      const fts = `${first.name}_fts`;
      await execute(
        fixture().t,
        `insert into "${fts}"("${fts}", rowid, "title", "body") select 'delete', rowid, "title", "body" from "${first.name}" where "id" = 3`,
      );
      const same = await seeded(fixture(), createSqliteFts5Search(), ["title", "body"], first.table);
      expect(ids(await same.search("tomatoes"))).toEqual([]);
      // A missing trigger means the index may have missed writes: recreated and rebuilt.
      await execute(fixture().t, `drop trigger "${fts}_au"`);
      const repaired = await seeded(fixture(), createSqliteFts5Search(), ["title", "body"], first.table);
      expect(ids(await repaired.search("tomatoes"))).toEqual([3]);
      await send(repaired.app, "PATCH", "/api/articles/3", { body: { title: "Growing peppers" } });
      expect(ids(await repaired.search("peppers"))).toEqual([3]);
    });

    it("works on a table with a text primary key (joined through the implicit rowid)", async () => {
      const notes = sqliteTable(uniqueName("notes"), { id: text("id").primaryKey(), title: text("title").notNull() });
      await pushTables(fixture().t.db, [notes]);
      const { app } = fixture().app(notes as never, { search: { index: createSqliteFts5Search(), fields: ["title"] } });
      for (const [id, title] of [
        ["b", "bread notes"],
        ["a", "butter notes"],
      ])
        await send(app, "POST", "/api/articles", { body: { id, title } });
      await send(app, "PATCH", "/api/articles/a", { body: { title: "bread and butter" } });
      const res = await send(app, "GET", "/api/articles/search?q=bread");
      expect(ids(res).sort()).toEqual(["a", "b"]);
    });

    it("FTS5 query syntax in q is read as plain words, never as operators or column filters", async () => {
      const { search } = await seeded(fixture(), createSqliteFts5Search());
      for (const q of [
        "title:bread",
        '"bread',
        "NEAR(bread butter)",
        "bread OR coffee",
        "bread AND",
        "bread*",
        "^bread",
        "-bread",
        "secret:crumb",
        "{title body}:bread",
      ]) {
        const res = await search(q);
        expect(res.status, q).toBe(200);
      }
      expect(ids(await search("secret:crumb"))).toEqual([]);
      expect(ids(await search("bread OR coffee"))).toEqual([]);
    });
  });

  describe.runIf(dialect !== "sqlite")("postgres tsvector", () => {
    it("creates a GIN index on the search expression, and searches can use it", async () => {
      const { name, search } = await seeded(fixture(), createPostgresSearch());
      await search("bread");
      const db = fixture().t.db as unknown as {
        execute(q: unknown): Promise<any>;
        transaction<T>(run: (tx: any) => Promise<T>): Promise<T>;
      };
      const rowsOf = (result: any): any[] => (Array.isArray(result) ? result : result.rows);
      const indexes = rowsOf(
        await db.execute(sql`select indexname, indexdef from pg_indexes where tablename = ${name}`),
      );
      const gin = indexes.find((row) => /USING gin/i.test(row.indexdef));
      expect(gin.indexdef).toContain("to_tsvector");
      const expression = tsvectorExpression([{ name: "title" }, { name: "body" }] as never, "english");
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        return rowsOf(
          await tx.execute(
            sql.raw(
              `explain select "id" from "${name}" where ${expression} @@ websearch_to_tsquery('english'::regconfig, 'bread')`,
            ),
          ),
        );
      });
      expect(plan.map((row) => Object.values(row)[0]).join("\n")).toContain(gin.indexname);
    });

    it("createIndex: false leaves the schema to migrations", async () => {
      const { name, search } = await seeded(fixture(), createPostgresSearch({ createIndex: false }));
      expect(ids(await search("bread")).length).toBe(3);
      const db = fixture().t.db as unknown as { execute(q: unknown): Promise<any> };
      const result = await db.execute(sql`select indexdef from pg_indexes where tablename = ${name}`);
      expect((Array.isArray(result) ? result : result.rows).some((row: any) => /gin/i.test(row.indexdef))).toBe(false);
    });

    it("websearch syntax by default (phrases, or, -exclusion); plain syntax takes every word", async () => {
      const web = await seeded(fixture(), createPostgresSearch());
      expect(ids(await web.search("bread -butter")).sort()).toEqual([1, 4]);
      expect(ids(await web.search('"bread and butter"'))).toEqual([2]);
      expect(ids(await web.search("tomatoes or coffee")).sort()).toEqual([3, 5]);
      const plain = await seeded(fixture(), createPostgresSearch({ syntax: "plain" }));
      expect(ids(await plain.search("bread -butter"))).toEqual([2]);
    });

    it("the text search configuration decides stemming", async () => {
      const english = await seeded(fixture(), createPostgresSearch());
      expect(ids(await english.search("breads")).length).toBe(3);
      const simple = await seeded(fixture(), createPostgresSearch({ config: "simple" }));
      expect(ids(await simple.search("breads"))).toEqual([]);
      expect(ids(await simple.search("bread")).length).toBe(3);
    });
  });

  it("any q is a 200 or a 400 problem — never a server error", async () => {
    const adapter = dialect === "sqlite" ? createSqliteFts5Search() : createPostgresSearch();
    const indexed = await seeded(fixture(), adapter);
    const memory = await seeded(fixture(), createMemorySearch());
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.string({ unit: "grapheme", maxLength: 20 }),
          fc.constantFrom('"', "'", "*", "NEAR(", ":", "\\", "%", "\u0000", "a\u0000b"),
        ),
        async (q) => {
          for (const { search } of [indexed, memory]) {
            const res = await search(q);
            expect([200, 400]).toContain(res.status);
          }
        },
      ),
      { numRuns: dialect === "pg" ? 60 : 120 },
    );
  });
});
