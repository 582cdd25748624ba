import { sql, type Table } from "drizzle-orm";
import { createDataService } from "../../src/data-service";
import { trackMutations } from "../../src/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemorySearch, createOpenSearch, type ExternalSearchIndex, type SearchAdapter } from "../../src/search";
import { setSearchErrorReporter } from "../../src/search";
import { send, type TestResponse } from "../helpers/app";
import type { TestDatabase } from "../helpers/dialects";
import { ARTICLES, dropTable, eachSearchDialect, execute, uniqueName, type ArticlesTable } from "./fixtures";
import { startFakeOpenSearch, type FakeOpenSearch } from "./opensearch-server";

let server: FakeOpenSearch;
const reported: unknown[] = [];
beforeAll(async () => {
  server = await startFakeOpenSearch();
  setSearchErrorReporter((error) => reported.push(error));
});
afterAll(() => server.close());

const ids = (res: TestResponse) => (res.body.items as { id: number }[]).map((item) => item.id).sort((a, b) => a - b);

/** An external index that can be taken down: every call fails while it is down. */
interface OutageCase {
  name: string;
  /** A fresh index backend for one test; `adapter()` may be called again to mount a second app on it. */
  backend(): { adapter(): SearchAdapter; down(): void; up(): void };
}

function switchable(make: () => SearchAdapter): ReturnType<OutageCase["backend"]> {
  const state = { down: false };
  const guard = <T>(run: () => Promise<T>): Promise<T> =>
    state.down ? Promise.reject(new Error("index down")) : run();
  return {
    adapter: () => {
      const inner = make();
      return {
        name: inner.name,
        bind(target) {
          const index = inner.bind(target) as ExternalSearchIndex;
          return {
            location: "external",
            persistent: index.persistent,
            setup: () => guard(() => index.setup()),
            upsert: (documents) => guard(() => index.upsert(documents)),
            remove: (removed) => guard(() => index.remove(removed)),
            search: (request) => guard(() => index.search(request)),
          };
        },
      };
    },
    down: () => void (state.down = true),
    up: () => void (state.down = false),
  };
}

const cases: OutageCase[] = [
  // A memory index is per process: a "restart" gets a fresh one, rebuilt from the table.
  { name: "memory", backend: () => switchable(() => createMemorySearch()) },
  {
    name: "opensearch",
    backend: () => {
      const index = uniqueName("outbox").toLowerCase();
      return {
        adapter: () => createOpenSearch({ url: server.url, index }),
        down: () => void (server.failing = true),
        up: () => void (server.failing = false),
      };
    },
  },
];

async function outboxRows(t: TestDatabase, name: string): Promise<{ resource: string; row_id: string; op: string }[]> {
  const query = sql.raw(`select "resource", "row_id", "op" from "${name}" order by "id"`);
  if (t.dialect === "sqlite") return await (t.db as unknown as { all(q: unknown): any[] }).all(query);
  const result = await (t.db as unknown as { execute(q: unknown): Promise<any> }).execute(query);
  return Array.isArray(result) ? result : result.rows;
}

async function tableRows(t: TestDatabase, table: ArticlesTable): Promise<{ id: number; title: string }[]> {
  const db = t.db as unknown as { select(): { from(t: unknown): PromiseLike<{ id: number; title: string }[]> } };
  return db.select().from(table);
}

eachSearchDialect("search outbox", (fixture) => {
  for (const outage of cases) {
    describe(outage.name, () => {
      async function mount(options: { process?: boolean } = {}, backend = outage.backend()) {
        const table = await fixture().articles();
        const outboxName = uniqueName("outbox");
        const mountOn = (on: ArticlesTable, process = options.process, batchSize?: number) =>
          fixture().app(on, {
            search: {
              index: backend.adapter(),
              fields: ["title", "body"],
              outbox: { table: outboxName, intervalMs: 0, process, batchSize },
            },
          });
        const { app, indexed } = mountOn(table);
        const search = (q: string) => send(app, "GET", `/api/articles/search?q=${q}`);
        return { table, outboxName, app, indexed, search, backend, mountOn };
      }

      it("each write records an outbox row in the write's own transaction", async () => {
        const { app, outboxName } = await mount({ process: false });
        try {
          await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
          await send(app, "PATCH", "/api/articles/1", { body: { title: "Sourdough" } });
          await send(app, "POST", "/api/articles/batch", { body: [ARTICLES[1], ARTICLES[2]] });
          await send(app, "PATCH", "/api/articles/batch", { body: [{ id: 2, body: "changed" }] });
          await send(app, "POST", "/api/articles/batch/upsert", {
            body: [
              { id: 3, title: "Tomatoes" },
              { id: 40, title: "New" },
            ],
          });
          await send(app, "DELETE", "/api/articles/batch", { body: [2] });
          await send(app, "DELETE", "/api/articles/1");
          const rows = await outboxRows(fixture().t, outboxName);
          expect(rows.map((row) => [row.resource, row.row_id, row.op])).toEqual([
            ["articles", "1", "create"],
            ["articles", "1", "update"],
            ["articles", "2", "create"],
            ["articles", "3", "create"],
            ["articles", "2", "update"],
            ["articles", "3", "update"],
            ["articles", "40", "create"],
            ["articles", "2", "delete"],
            ["articles", "1", "delete"],
          ]);
        } finally {
          await dropTable(fixture().t, outboxName);
        }
      });

      if (outage.name === "memory")
        it("a data service unit of work records outbox rows in its own transaction, none when it rolls back", async () => {
          const { table, outboxName } = await mount({ process: false });
          try {
            // The articles resource is mounted on this db: the unit writes through it (writes: "resource" insists).
            const service = await createDataService(
              fixture().t.db,
              { articles: { table, id: table.id } },
              { cache: false, writes: "resource" },
            );
            await service
              .batch()
              .create("articles", ARTICLES[0] as never)
              .create("articles", ARTICLES[1] as never)
              .saveChanges();
            // A unit prepares its operations against the rows as they were before it: the rows it
            // changes exist beforehand.
            await service
              .batch()
              .update("articles", 1, { title: "Sourdough" } as never)
              .delete("articles", 2)
              .saveChanges();
            const failing = service
              .batch()
              .create("articles", ARTICLES[2] as never)
              .update("articles", 999, { title: "gone" } as never);
            await expect(failing.saveChanges()).rejects.toMatchObject({ status: 404 });
            const rows = await outboxRows(fixture().t, outboxName);
            expect(rows.map((row) => [row.row_id, row.op])).toEqual([
              ["1", "create"],
              ["2", "create"],
              ["1", "update"],
              ["2", "delete"],
            ]);
            expect((await tableRows(fixture().t, table)).map((row) => row.title)).toEqual(["Sourdough"]);
            await service.close();
          } finally {
            await dropTable(fixture().t, outboxName);
          }
        });

      it("a resource given a trackMutations db records outbox rows all the same", async () => {
        const table = await fixture().articles();
        const outboxName = uniqueName("outbox");
        const tracked = trackMutations(fixture().t.db, { articles: { table: table as Table, id: table.id } });
        const { app } = fixture().app(table, {
          db: tracked,
          search: {
            index: outage.backend().adapter(),
            fields: ["title", "body"],
            outbox: { table: outboxName, intervalMs: 0, process: false },
          },
        });
        try {
          await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
          await send(app, "POST", "/api/articles/batch", { body: [ARTICLES[1]] });
          const rows = await outboxRows(fixture().t, outboxName);
          expect(rows.map((row) => [row.row_id, row.op])).toEqual([
            ["1", "create"],
            ["2", "create"],
          ]);
        } finally {
          await dropTable(fixture().t, outboxName);
        }
      });

      it("a write that fails leaves neither its rows nor outbox rows", async () => {
        const { app, table, outboxName } = await mount({ process: false });
        try {
          await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
          // The second item collides with row 1 inside the transaction: item one rolls back too.
          const batch = await send(app, "POST", "/api/articles/batch", {
            body: [
              { id: 50, title: "Fifty" },
              { id: 1, title: "Again" },
            ],
          });
          expect(batch.status).toBe(409);
          const single = await send(app, "POST", "/api/articles", { body: { id: 1, title: "Again" } });
          expect(single.status).toBe(409);
          expect((await tableRows(fixture().t, table)).map((row) => row.id)).toEqual([1]);
          expect(await outboxRows(fixture().t, outboxName)).toHaveLength(1);
        } finally {
          await dropTable(fixture().t, outboxName);
        }
      });

      it("when the outbox row cannot be written, the data write rolls back with it", async () => {
        const { app, table, outboxName } = await mount({ process: false });
        await send(app, "POST", "/api/articles", { body: ARTICLES[0] });
        await execute(fixture().t, `drop table "${outboxName}"`);
        const res = await send(app, "POST", "/api/articles", { body: ARTICLES[1] });
        expect(res.status).toBe(500);
        expect(res.body.code).toBe("INTERNAL_ERROR");
        expect(res.text).not.toContain(outboxName);
        const batch = await send(app, "POST", "/api/articles/batch", { body: [ARTICLES[2]] });
        expect(batch.status).toBe(500);
        expect((await tableRows(fixture().t, table)).map((row) => row.id)).toEqual([1]);
      });

      it("a crash between write and index converges once the processor runs", async () => {
        const { app, indexed, search, outboxName, backend } = await mount();
        try {
          for (const row of ARTICLES.slice(0, 3)) await send(app, "POST", "/api/articles", { body: row });
          expect(ids(await search("bread"))).toEqual([1, 2]);
          backend.down();
          reported.length = 0;
          // The index is gone: every write still commits, together with its outbox row.
          expect((await send(app, "POST", "/api/articles", { body: ARTICLES[3] })).status).toBe(201);
          expect(
            (await send(app, "PATCH", "/api/articles/1", { body: { title: "Sourdough", body: "starter" } })).status,
          ).toBe(200);
          expect((await send(app, "DELETE", "/api/articles/2")).status).toBe(204);
          expect((await send(app, "POST", "/api/articles/batch", { body: [{ title: "Bread pudding" }] })).status).toBe(
            201,
          );
          expect(reported.length).toBeGreaterThan(0);
          const unavailable = await search("bread");
          expect(unavailable.status).toBe(503);
          expect(unavailable.body.code).toBe("SEARCH_UNAVAILABLE");
          expect(unavailable.text).not.toMatch(/index down|at \w+ \(|127\.0\.0\.1/);
          expect((await outboxRows(fixture().t, outboxName)).length).toBe(4);

          backend.up();
          expect(await indexed!.drain()).toBe(4);
          expect(ids(await search("bread"))).toEqual([4, 5]);
          expect(ids(await search("starter"))).toEqual([1]);
          expect(await outboxRows(fixture().t, outboxName)).toEqual([]);
        } finally {
          backend.up();
          await dropTable(fixture().t, outboxName);
        }
      });

      it("writes made while no processor runs reach the index when one starts (restart)", async () => {
        const { app, table, outboxName, mountOn } = await mount({ process: false });
        try {
          for (const row of ARTICLES) await send(app, "POST", "/api/articles", { body: row });
          await send(app, "DELETE", "/api/articles/4");
          expect(await outboxRows(fixture().t, outboxName)).toHaveLength(ARTICLES.length + 1);
          // A new process mounts the resource with its processor: its first use drains the outbox
          // (here two entries per round, so it takes several).
          const restarted = mountOn(table, true, 2);
          const res = await send(restarted.app, "GET", "/api/articles/search?q=bread");
          expect(ids(res)).toEqual([1, 2]);
          expect(await outboxRows(fixture().t, outboxName)).toEqual([]);
        } finally {
          await dropTable(fixture().t, outboxName);
        }
      });

      it("delivery is at least once: replayed entries change nothing, other resources' entries stay", async () => {
        const { app, indexed, search, outboxName } = await mount();
        try {
          for (const row of ARTICLES) await send(app, "POST", "/api/articles", { body: row });
          await send(app, "DELETE", "/api/articles/2");
          const before = ids(await search("bread"));
          const now = fixture().t.dialect === "sqlite" ? "1" : "now()";
          const replayed = [
            ["articles", "1", "update"],
            ["articles", "2", "delete"],
            ["articles", "4", "create"],
            ["articles", "999", "create"],
            ["articles", "junk", "update"],
            ["others", "1", "create"],
          ];
          const values = replayed.map(([resource, id, op]) => `('${resource}', '${id}', '${op}', ${now})`).join(", ");
          await execute(
            fixture().t,
            `insert into "${outboxName}" ("resource", "row_id", "op", "created_at") values ${values}`,
          );
          expect(await indexed!.drain()).toBe(5);
          expect(ids(await search("bread"))).toEqual(before);
          expect(await indexed!.drain()).toBe(0);
          expect((await outboxRows(fixture().t, outboxName)).map((row) => row.resource)).toEqual(["others"]);
        } finally {
          await dropTable(fixture().t, outboxName);
        }
      });
    });
  }
});
