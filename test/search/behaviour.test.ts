import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, type TestResponse } from "../helpers/app";
import { adapterCases } from "./adapters";
import { ARTICLES, eachSearchDialect, type ArticlesConfig } from "./fixtures";
import { startFakeOpenSearch, type FakeOpenSearch } from "./opensearch-server";
import { interactiveTransactions } from "../helpers/drivers";

let server: FakeOpenSearch;
beforeAll(async () => {
  server = await startFakeOpenSearch();
});
afterAll(() => server.close());

const ids = (res: TestResponse) => (res.body.items as { id: number }[]).map((item) => item.id);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

eachSearchDialect("search behaviour", (fixture, dialect) => {
  // Read while this dialect's body registers: the describes below are collected later.
  const transactional = interactiveTransactions();
  for (const adapter of adapterCases(() => server)) {
    if (!adapter.dialects.includes(dialect)) continue;

    describe(adapter.name, () => {
      async function mount(config: ArticlesConfig = {}, seed: readonly Record<string, unknown>[] = ARTICLES) {
        const table = await fixture().articles();
        const { app, indexed } = fixture().app(table, {
          search: { index: adapter.make(), fields: ["title", "body"] },
          ...config,
        });
        for (const row of seed) {
          const res = await send(app, "POST", "/api/articles", { body: row, user: { id: row.ownerId ?? 1 } });
          if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${res.text}`);
        }
        const search = (query: string, user?: Record<string, unknown>) =>
          send(app, "GET", `/api/articles/search?${query}`, { user });
        return { app, indexed, table, search };
      }

      it("finds rows matching the words, best first, each with a _score", async () => {
        const { search } = await mount();
        const res = await search("q=bread");
        expect(res.status).toBe(200);
        expect(sorted(ids(res))).toEqual([1, 2, 4]);
        expect(ids(res)[0]).toBe(4);
        const scores = (res.body.items as { _score: number }[]).map((item) => item._score);
        for (const score of scores) expect(typeof score).toBe("number");
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        expect(res.body).toMatchObject({ nextCursor: null, hasMore: false });
      });

      it("every word must match, in any field, regardless of case", async () => {
        const { search } = await mount();
        expect(ids(await search("q=BREAD%20butter"))).toEqual([2]);
        expect(ids(await search("q=patience%20tomatoes"))).toEqual([3]);
        expect(ids(await search("q=bread%20tomatoes"))).toEqual([]);
      });

      it("a filter narrows the results and select projects them, keeping _score", async () => {
        const { search } = await mount();
        expect(sorted(ids(await search("q=bread&filter=ownerId==2")))).toEqual([2, 4]);
        const res = await search("q=butter&select=title");
        expect(res.body.items).toHaveLength(1);
        expect(Object.keys(res.body.items[0]).sort()).toEqual(["_score", "title"]);
      });

      it("Field-level Read Masking: masking applies to search responses; a hidden column cannot be selected or filtered", async () => {
        const { search } = await mount({ fields: { readable: ["id", "title", "body", "ownerId"] } });
        const res = await search("q=bread");
        expect(res.body.items.length).toBe(3);
        for (const item of res.body.items) {
          expect(item).not.toHaveProperty("secret");
          expect(item).not.toHaveProperty("version");
        }
        expect((await search("q=bread&select=secret")).status).toBe(400);
        const filtered = await search("q=bread&filter=secret==crumb");
        expect(filtered.status).toBe(400);
        expect(filtered.body.code).toBe("FILTER_PARSE_ERROR");
      });

      it("Authorization Scopes: row-level security is enforced across search — a user never sees another's rows", async () => {
        const auth = { public: { create: true }, read: (user: { id: string | number }) => `ownerId==${user.id}` };
        const { search } = await mount({ auth });
        expect(ids(await search("q=bread", { id: 1 }))).toEqual([1]);
        expect(ids(await search("q=bread", { id: 2 }))).toEqual([4, 2]);
        expect(ids(await search("q=bread&filter=ownerId==2", { id: 1 }))).toEqual([]);
        expect(ids(await search("q=coffee", { id: 1 }))).toEqual([]);
        const anonymous = await search("q=bread");
        expect(anonymous.status).toBe(401);
        expect(anonymous.body.code).toBe("UNAUTHORIZED");
      });

      it("a denied read scope is a 403, as for GET /", async () => {
        const { search } = await mount({ auth: { public: { create: true }, read: () => false } });
        const res = await search("q=bread", { id: 1 });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe("FORBIDDEN");
      });

      it("soft-deleted rows are never found", async () => {
        const { app, search } = await mount({ softDelete: { field: "deletedAt" } });
        expect((await send(app, "DELETE", "/api/articles/4")).status).toBe(204);
        expect(sorted(ids(await search("q=bread")))).toEqual([1, 2]);
        expect(sorted(ids(await search("q=bread&withDeleted=true")))).toEqual([1, 2]);
      });

      it.skipIf(!transactional)("the index follows creates, updates, deletes and batch writes", async () => {
        const { app, search } = await mount();
        const created = await send(app, "POST", "/api/articles", { body: { title: "Rye crackers", ownerId: 1 } });
        expect(ids(await search("q=rye"))).toEqual([created.body.id]);
        await send(app, "PATCH", `/api/articles/${created.body.id}`, { body: { title: "Spelt crackers" } });
        expect(ids(await search("q=rye"))).toEqual([]);
        expect(ids(await search("q=spelt"))).toEqual([created.body.id]);
        await send(app, "DELETE", `/api/articles/${created.body.id}`);
        expect(ids(await search("q=spelt"))).toEqual([]);

        const batch = await send(app, "POST", "/api/articles/batch", {
          body: [{ title: "Kale salad" }, { title: "Kale chips" }],
        });
        expect(batch.status).toBe(201);
        const kale = batch.body.items.map((item: { id: number }) => item.id);
        expect(sorted(ids(await search("q=kale")))).toEqual(sorted(kale));
        await send(app, "PATCH", "/api/articles/batch", { body: [{ id: kale[0], title: "Beet salad" }] });
        expect(ids(await search("q=kale"))).toEqual([kale[1]]);
        await send(app, "DELETE", "/api/articles/batch", { body: [kale[1]] });
        expect(ids(await search("q=kale"))).toEqual([]);
        expect(ids(await search("q=beet"))).toEqual([kale[0]]);
      });

      it("pages through results with an opaque cursor, without repeats", async () => {
        const { search } = await mount();
        const all = ids(await search("q=bread"));
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const res: TestResponse = await search(`q=bread&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
          expect(res.status).toBe(200);
          seen.push(...ids(res));
          expect(res.body.hasMore).toBe(res.body.nextCursor !== null);
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(seen).toEqual(all);
      });

      it("a tampered cursor, or one from another search, is a 400 cursor-invalid", async () => {
        const { search } = await mount();
        const first = await search("q=bread&limit=1");
        const cursor = first.body.nextCursor as string;
        for (const query of [
          `q=bread&cursor=x${cursor}`,
          `q=butter&cursor=${cursor}`,
          `q=bread&filter=ownerId==1&cursor=${cursor}`,
          "q=bread&cursor=%%%",
        ]) {
          const res = await search(query);
          expect(res.status).toBe(400);
          expect(res.body.code).toBe("CURSOR_INVALID");
        }
      });

      it("bad input is a 400 problem naming the parameter; punctuation alone finds nothing", async () => {
        const { search, app } = await mount({
          search: { index: adapter.make(), fields: ["title", "body"], maxQueryLength: 20 },
        });
        for (const query of [
          "",
          "q=",
          "q=%20%20",
          `q=${"a".repeat(21)}`,
          "q=a%00b",
          "q=bread&limit=0",
          "q=bread&limit=abc",
        ]) {
          const res = await search(query);
          expect(res.status).toBe(400);
          expect(res.headers.get("content-type")).toContain("application/problem+json");
          expect(res.body.code).toBe("INVALID_PARAMETER");
          expect(res.body.parameter).toBe(query.includes("limit") ? "limit" : "q");
          expect(res.text).not.toMatch(/at \w+ \(|select |SQLITE/i);
        }
        const filter = await search("q=bread&filter=ownerId=~=");
        expect(filter.status).toBe(400);
        expect(filter.body.code).toBe("FILTER_PARSE_ERROR");
        const punctuation = await search("q=!!!%20...");
        expect(punctuation.status).toBe(200);
        expect(punctuation.body.items).toEqual([]);
        expect((await send(app, "POST", "/api/articles/search")).status).toBe(405);
      });

      it("search runs the list hooks with operation 'search' and adds computed fields", async () => {
        const operations: string[] = [];
        const { search } = await mount({
          computed: { shout: (row) => row.title.toUpperCase() },
          hooks: {
            onBeforeList: (ctx) => void operations.push(ctx.operation),
            onAfterList: (_ctx, rows) => rows.map((row) => ({ ...row, seen: true })),
          },
        });
        const res = await search("q=butter");
        expect(operations).toEqual(["search"]);
        expect(res.body.items[0]).toMatchObject({ id: 2, shout: "BREAD AND BUTTER", seen: true, secret: "churn" });
        expect(res.body.items[0]._score).toEqual(expect.any(Number));
      });

      it(
        "rows written before the resource mounted are searchable" + (adapter.indexesExisting ? "" : " after a rebuild"),
        async () => {
          const table = await fixture().articles();
          const db = fixture().t.db as unknown as { insert(t: unknown): { values(v: unknown): PromiseLike<unknown> } };
          await db.insert(table).values(ARTICLES);
          const { app, indexed } = fixture().app(table, {
            search: { index: adapter.make(), fields: ["title", "body"] },
          });
          if (!adapter.indexesExisting) expect(await indexed!.rebuild()).toBe(ARTICLES.length);
          const res = await send(app, "GET", "/api/articles/search?q=tomatoes");
          expect(ids(res)).toEqual([3]);
        },
      );
    });
  }
});
