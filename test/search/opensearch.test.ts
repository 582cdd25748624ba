import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getTableName } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createOpenSearch, type OpenSearchOptions } from "../../src/search";
import { setSearchErrorReporter } from "../../src/search";
import { send, type TestResponse } from "../helpers/app";
import { ARTICLES, eachSearchDialect, execute, uniqueName, type ArticlesConfig } from "./fixtures";
import { startFakeOpenSearch, type FakeOpenSearch } from "./opensearch-server";

let server: FakeOpenSearch;
const reported: unknown[] = [];
beforeAll(async () => {
  server = await startFakeOpenSearch();
  setSearchErrorReporter((error) => reported.push(error));
});
afterAll(() => server.close());
beforeEach(() => {
  server.failing = false;
  server.rejectIds.clear();
  reported.length = 0;
});

const ids = (res: TestResponse) => (res.body.items as { id: number }[]).map((item) => item.id);

/** A URL where nothing listens: connections are refused. */
async function deadUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

eachSearchDialect("opensearch adapter", (fixture) => {
  async function mount(options: Partial<OpenSearchOptions> = {}, config: ArticlesConfig = {}) {
    const table = await fixture().articles();
    const index = uniqueName("wire").toLowerCase();
    const adapter = createOpenSearch({ url: server.url, index, ...options });
    const { app, indexed } = fixture().app(table, { search: { index: adapter, fields: ["title", "body"] }, ...config });
    const mine = () => server.requests.filter((request) => request.path.startsWith(`/${index}`));
    return {
      app,
      indexed,
      table,
      index,
      mine,
      search: (query: string, user?: Record<string, unknown>) =>
        send(app, "GET", `/api/articles/search?${query}`, { user }),
    };
  }

  it("speaks the documented wire format: index creation, PUT/DELETE _doc, NDJSON _bulk, _search with multi_match", async () => {
    const { app, index, mine, search } = await mount({
      refresh: "wait_for",
      headers: { authorization: "Basic dGVzdDp0ZXN0" },
    });
    await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
    await send(app, "POST", "/api/articles/batch", { body: [ARTICLES[1], ARTICLES[2]] });
    await send(app, "DELETE", "/api/articles/batch", { body: [2, 3] });
    await send(app, "DELETE", "/api/articles/1");
    await search("q=bread&limit=5");
    expect(reported.map(String)).toEqual([]);
    const requests = mine();
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `HEAD /${index}`,
      `PUT /${index}`,
      `PUT /${index}/_doc/1?refresh=wait_for`,
      `POST /${index}/_bulk?refresh=wait_for`,
      `POST /${index}/_bulk?refresh=wait_for`,
      `DELETE /${index}/_doc/1?refresh=wait_for`,
      `POST /${index}/_search`,
    ]);
    for (const request of requests) expect(request.authorization).toBe("Basic dGVzdDp0ZXN0");
    expect(JSON.parse(requests[1]!.body)).toEqual({
      mappings: { properties: { title: { type: "text" }, body: { type: "text" } } },
    });
    expect(JSON.parse(requests[2]!.body)).toEqual({ title: ARTICLES[0]!.title, body: ARTICLES[0]!.body });
    expect(requests[3]!.contentType).toBe("application/x-ndjson");
    expect(requests[3]!.body.endsWith("\n")).toBe(true);
    expect(
      requests[3]!.body
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { index: { _id: "2" } },
      { title: ARTICLES[1]!.title, body: ARTICLES[1]!.body },
      { index: { _id: "3" } },
      { title: ARTICLES[2]!.title, body: ARTICLES[2]!.body },
    ]);
    expect(
      requests[4]!.body
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([{ delete: { _id: "2" } }, { delete: { _id: "3" } }]);
    expect(JSON.parse(requests[6]!.body)).toEqual({
      from: 0,
      size: 50,
      _source: false,
      query: { multi_match: { query: "bread", fields: ["title", "body"], operator: "and" } },
    });
    expect(server.indexes.get(index)!.size).toBe(0);
  });

  it("a stale index can never leak: hits are re-read under the caller's scope, deleted and unknown ids skipped", async () => {
    const auth = { public: { create: true }, read: (user: { id: string | number }) => `ownerId==${user.id}` };
    const { app, index, table, search } = await mount({}, { auth, softDelete: { field: "deletedAt" } });
    for (const row of ARTICLES) await send(app, "POST", "/api/articles", { body: row });
    // Behind the resource's back: row 1 removed, row 3 soft-deleted; the index still holds both,
    // and ids that never existed.
    const name = getTableName(table);
    await execute(fixture().t, `delete from "${name}" where "id" = 1`);
    await execute(
      fixture().t,
      `update "${name}" set "deleted_at" = ${fixture().t.dialect === "sqlite" ? "1" : "now()"} where "id" = 3`,
    );
    const documents = server.indexes.get(index)!;
    documents.set("999", { title: "bread tomatoes", body: "" });
    documents.set("not-a-number", { title: "bread tomatoes", body: "" });
    expect([...documents.keys()]).toEqual(expect.arrayContaining(["1", "3"]));
    expect(ids(await search("q=bread", { id: 1 }))).toEqual([]);
    expect(ids(await search("q=tomatoes", { id: 1 }))).toEqual([]);
    expect(ids(await search("q=bread", { id: 2 }))).toEqual([4, 2]);
    expect(ids(await search("q=bread", { id: 3 }))).toEqual([]);
    expect(ids(await search("q=coffee", { id: 3 }))).toEqual([5]);
  });

  it("an outage is a 503 search-unavailable with Retry-After and nothing internal; it recovers by itself", async () => {
    const { app, search } = await mount();
    for (const row of ARTICLES) await send(app, "POST", "/api/articles", { body: row });
    server.failing = true;
    const res = await search("q=bread");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.body).toMatchObject({ code: "SEARCH_UNAVAILABLE", status: 503, resource: "articles" });
    expect(res.text).not.toMatch(/127\.0\.0\.1|cluster_block|SearchBackendError|at \w+ \(/);
    server.failing = false;
    expect(ids(await search("q=bread"))).toEqual([4, 1, 2]);
  });

  it("setup failing on first use (server unreachable) is a 503, retried on the next request", async () => {
    const table = await fixture().articles();
    const { app } = fixture().app(table, {
      search: { index: createOpenSearch({ url: await deadUrl(), index: "gone" }), fields: ["title"] },
    });
    const res = await send(app, "GET", "/api/articles/search?q=bread");
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("SEARCH_UNAVAILABLE");
    expect(res.text).not.toContain("ECONNREFUSED");
  });

  it("without an outbox, writes succeed while the index is down (reported), and a rebuild catches up", async () => {
    const { app, indexed, search } = await mount();
    await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
    server.failing = true;
    const write = await send(app, "POST", "/api/articles", { body: ARTICLES[3] });
    expect(write.status).toBe(201);
    expect(reported).toHaveLength(1);
    server.failing = false;
    expect(ids(await search("q=bread"))).toEqual([1]);
    expect(await indexed!.rebuild()).toBe(2);
    expect(ids(await search("q=bread"))).toEqual([2, 1]);
  });

  it("a document OpenSearch keeps rejecting holds back only its own outbox entries; search stays up", async () => {
    const table = await fixture().articles();
    const index = uniqueName("reject").toLowerCase();
    const outbox = uniqueName("outbox");
    const { app, indexed } = fixture().app(table, {
      search: {
        index: createOpenSearch({ url: server.url, index }),
        fields: ["title", "body"],
        outbox: { table: outbox, intervalMs: 0 },
      },
    });
    const search = async (q: string) => ids(await send(app, "GET", `/api/articles/search?q=${q}`)).sort();
    try {
      server.rejectIds.add("2");
      const batch = await send(app, "POST", "/api/articles/batch", { body: [ARTICLES[0], ARTICLES[1], ARTICLES[3]] });
      expect(batch.status).toBe(201);
      // Per-item bulk errors are read: the round fails on row 2, the others get through one by one.
      expect(String(reported[0])).toMatch(/bulk index of '2' failed: mapper_parsing_exception/);
      await expect(indexed!.drain()).rejects.toThrow(/answered 400/);
      expect([...server.indexes.get(index)!.keys()].sort()).toEqual(["1", "3"]);
      expect(await search("bread")).toEqual([1, 3]);
      server.rejectIds.clear();
      expect(await indexed!.drain()).toBe(1);
      expect(await search("bread")).toEqual([1, 2, 3]);
      expect(await indexed!.drain()).toBe(0);
    } finally {
      await execute(fixture().t, `drop table if exists "${outbox}"`);
    }
  });
});
