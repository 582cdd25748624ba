/**
 * The unit of work writes a table mounted as a resource through the resource's own write steps
 * (hooks, validation, scopes for the acting user, soft delete), all in one transaction, publishing
 * once after commit; the first failure rolls everything back with a problem naming the operation.
 * On better-sqlite3 (synchronous transactions) and PGlite (asynchronous ones).
 */
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDataService } from "../../src/data-service";
import { ProblemError } from "../../src/kernel/errors";
import type { CovaraEnv } from "../../src/kernel/http";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { trackMutations } from "../../src/realtime";
import { openPgliteTasks, openSqliteTasks, sqliteTasks } from "./uow-fixtures";

// A real collection before each heap reading, so growth is what the unit holds, not garbage.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ann = { user: { id: "ann" } };

const targets = [
  { name: "better-sqlite3", open: async () => openSqliteTasks() },
  { name: "pglite", open: openPgliteTasks },
];

function problemOf(error: unknown) {
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).toJSON();
}

for (const target of targets) {
  describe(`unit of work through resources [${target.name}]`, () => {
    let opened: Awaited<ReturnType<typeof target.open>>;
    beforeAll(async () => {
      opened = await target.open();
      opened.mount();
    }, 120_000);
    afterAll(() => opened?.close());
    let cleanup: (() => unknown)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });

    async function setup(options: { writes?: "auto" | "resource" | "table" } = {}) {
      await opened.reset();
      const service = await createDataService(opened.db, opened.tables, { cache: {}, ...options });
      cleanup.push(() => service.close());
      const published: (readonly Mutation[])[] = [];
      cleanup.push(
        onMutations((mutations) => {
          published.push(mutations);
          opened.calls.push(`published:${mutations.length}`);
        }),
      );
      return { service, published, calls: opened.calls };
    }

    it("runs the resource's hooks, validation and soft delete, publishes once after commit, then the after-hooks", async () => {
      const { service, published, calls } = await setup();
      const first = await service.create("tasks", { title: "first", owner: "ann" }, ann);
      const second = await service.create("tasks", { title: "second", owner: "ann" }, ann);
      expect(await service.list("tasks")).toHaveLength(2); // cached, and invalidated below
      calls.length = 0;
      published.length = 0;

      const uow = service
        .batch({ user: { id: "ann" }, memberships: [{ tenantId: 1, roles: ["editor"] }] })
        .create("tasks", { title: "third" } as { title: string; owner: string }) // the hook fills the owner
        .update("tasks", first.id, { title: "  trimmed  " })
        .delete("tasks", second.id)
        .create("logs", { message: "no resource: written directly" });
      expect(await uow.saveChanges()).toEqual({ written: 4 });

      expect(calls).toEqual([
        "before:create:third:editor", // ctx.principal carries the actor's memberships
        `before:update:${first.id}`,
        `before:delete:${second.id}`,
        "published:4",
        "after:create:third",
        `after:update:${first.id}`,
        `after:delete:${second.id}`,
      ]);
      expect(published).toHaveLength(1);
      expect(published[0]!.map((m) => `${m.resource}:${m.op}`)).toEqual([
        "tasks:create",
        "tasks:update",
        "tasks:delete",
        "logs:create",
      ]);
      const rows = await opened.rows("select title, owner, deleted from tasks order by id");
      expect(rows.map((r) => [r.title, r.owner, Boolean(r.deleted)])).toEqual([
        ["trimmed", "ann", false],
        ["second", "ann", true], // soft-deleted, as DELETE /tasks/:id would
        ["third", "ann", false],
      ]);
      // The cached list was emptied by the publish: no stale read.
      expect((await service.list("tasks")).map((r) => r.title)).toEqual(["trimmed", "second", "third"]);
    });

    it("rolls everything back when validation rejects an operation, naming it", async () => {
      const { service, published, calls } = await setup();
      const uow = service
        .batch(ann)
        .create("logs", { message: "would be written" })
        .create("tasks", { title: "ok", owner: "ann" })
        .create("tasks", { title: "bad", owner: "ann", rank: "high" as unknown as number });
      const doc = problemOf(await uow.saveChanges().catch((error: unknown) => error));
      expect(doc).toMatchObject({ status: 400, code: "VALIDATION_ERROR", index: 2, op: "create", table: "tasks" });
      expect(JSON.stringify(doc.errors)).toContain("rank");
      expect(await opened.rows("select * from tasks")).toEqual([]);
      expect(await opened.rows("select * from logs")).toEqual([]);
      expect(published).toEqual([]);
      expect(calls.some((call) => call.startsWith("after:"))).toBe(false);
    });

    it("folds an update or delete of a row the unit creates into that create", async () => {
      const { service, published, calls } = await setup();
      const uow = service
        .batch(ann)
        .create("tasks", { id: 500, title: "draft", owner: "ann" } as { title: string; owner: string })
        .update("tasks", 500, { title: "final", rank: 7 })
        .create("logs", { id: 600, message: "first" } as { message: string })
        .update("logs", "600", { message: "second" }) // the id as text names the same row
        .create("logs", { id: 601, message: "dropped" } as { message: string })
        .delete("logs", 601);
      expect(await uow.saveChanges()).toEqual({ written: 2 });
      expect(await opened.rows("select id, title, owner, rank from tasks")).toEqual([
        { id: 500, title: "final", owner: "ann", rank: 7 },
      ]);
      expect(await opened.rows("select id, message from logs")).toEqual([{ id: 600, message: "second" }]);
      // The row is created once with its final values: create hooks only, one create mutation each.
      expect(calls.filter((call) => call.startsWith("before:"))).toEqual(["before:create:final"]);
      expect(published).toHaveLength(1);
      expect(published[0]!.map((m) => `${m.op}:${m.resource}:${m.id}`)).toEqual([
        "create:tasks:500",
        "create:logs:600",
      ]);

      // A folded create that fails is named by its own position in the queue.
      const failing = service
        .batch(ann)
        .create("logs", { message: "fine" })
        .create("logs", { id: 700, message: "x" } as { message: string })
        .update("logs", 700, { message: null as unknown as string });
      const doc = problemOf(await failing.saveChanges().catch((error: unknown) => error));
      expect(doc).toMatchObject({ index: 1, op: "create", table: "logs" });
      expect(await opened.rows("select id from logs where id <> 600")).toEqual([]);

      // A delete taking back a create leaves nothing to write; an update after it finds no row.
      expect(
        await service
          .batch(ann)
          .create("logs", { id: 800, message: "m" } as { message: string })
          .delete("logs", 800)
          .saveChanges(),
      ).toEqual({ written: 0 });
      const late = service
        .batch(ann)
        .create("logs", { id: 801, message: "m" } as { message: string })
        .delete("logs", 801)
        .update("logs", 801, { message: "n" });
      expect(problemOf(await late.saveChanges().catch((error: unknown) => error))).toMatchObject({
        status: 404,
        index: 2,
      });
    });

    it("rolls everything back when a scope forbids a row for the acting user", async () => {
      const { service, published } = await setup();
      const bobs = await service.create("tasks", { title: "bob's", owner: "bob" }, { user: { id: "bob" } });
      published.length = 0;

      // A create the create scope refuses: checked on the stored row inside the transaction.
      const create = service
        .batch(ann)
        .create("tasks", { title: "mine", owner: "ann" })
        .create("logs", { message: "x" })
        .create("tasks", { title: "for bob", owner: "bob" });
      expect(problemOf(await create.saveChanges().catch((error: unknown) => error))).toMatchObject({
        status: 403,
        code: "FORBIDDEN",
        index: 2,
        op: "create",
        table: "tasks",
      });

      // An update and a delete of a row outside the user's write scope: refused before the transaction.
      const update = service.batch(ann).create("tasks", { title: "mine", owner: "ann" }).update("tasks", bobs.id, {
        title: "taken",
      });
      expect(problemOf(await update.saveChanges().catch((error: unknown) => error))).toMatchObject({
        code: "FORBIDDEN",
        index: 1,
        op: "update",
      });
      const remove = service.batch(ann).delete("tasks", bobs.id);
      expect(problemOf(await remove.saveChanges().catch((error: unknown) => error))).toMatchObject({
        code: "FORBIDDEN",
        index: 0,
        op: "delete",
      });

      expect((await opened.rows("select title from tasks")).map((r) => r.title)).toEqual(["bob's"]);
      expect(await opened.rows("select * from logs")).toEqual([]);
      expect(published).toEqual([]);
    });

    it("writes anonymously without an actor, and as the request's user given the request", async () => {
      const { service } = await setup();
      expect(
        problemOf(
          await service
            .batch()
            .create("tasks", { title: "anon", owner: "ann" })
            .saveChanges()
            .catch((error: unknown) => error),
        ),
      ).toMatchObject({ status: 401, code: "UNAUTHORIZED", index: 0 });

      const app = new Hono<CovaraEnv>();
      app.use("*", async (c, next) => {
        c.set("user", { id: c.req.header("x-user") ?? "" });
        await next();
      });
      app.post("/save", async (c) => {
        await service.batch(c).create("tasks", { title: "from a route", owner: "ann" }).saveChanges();
        return c.json({ ok: true });
      });
      expect((await app.request("/save", { method: "POST", headers: { "x-user": "ann" } })).status).toBe(200);
      const refused = await app.request("/save", { method: "POST", headers: { "x-user": "bob" } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(await refused.json()).toMatchObject({ code: "FORBIDDEN", index: 0, op: "create", table: "tasks" });
      expect((await opened.rows("select title from tasks")).map((r) => r.title)).toEqual(["from a route"]);
    });

    it("answers an id that cannot be one with a problem naming the operation, never a 500", async () => {
      const { service } = await setup();
      for (const table of ["tasks", "logs"] as const) {
        const doc = problemOf(
          await service
            .batch(ann)
            .delete(table, "not-a-number")
            .saveChanges()
            .catch((error: unknown) => error),
        );
        expect(doc).toMatchObject({ index: 0, op: "delete", table });
        expect(doc.status).toBeGreaterThanOrEqual(400);
        expect(doc.status).toBeLessThan(500);
      }
    });

    it('writes: "table" skips the resource; writes: "resource" refuses a table without one', async () => {
      const direct = await setup({ writes: "table" });
      await direct.service.batch().create("tasks", { title: "raw", owner: "zed" }).saveChanges();
      expect(direct.calls).toEqual(["published:1"]); // no hook, no scope: a direct write
      const strict = await setup({ writes: "resource" });
      expect(
        problemOf(
          await strict.service
            .batch(ann)
            .create("tasks", { title: "ok", owner: "ann" })
            .create("logs", { message: "no resource" })
            .saveChanges()
            .catch((error: unknown) => error),
        ),
      ).toMatchObject({ status: 500, code: "UNIT_OF_WORK_FAILED", index: 1, op: "create", table: "logs" });
      expect(await opened.rows("select * from tasks")).toEqual([]);
    });

    it("keeps 10,000 resource writes in one transaction within bounded memory, published once", async () => {
      const { service, published } = await setup();
      const uow = service.batch(ann);
      for (let i = 0; i < 10_000; i++) uow.create("tasks", { title: `task ${i}`, owner: "ann", rank: i });
      gc();
      const before = process.memoryUsage().heapUsed;
      // The live heap when the unit publishes: every prepared write and written row is still held
      // then, so it is the unit's peak (collected first, so garbage does not count). Timers cannot
      // sample it: the transaction never yields to the event loop on better-sqlite3, nor between
      // PGlite's queries.
      let atPublish = 0;
      cleanup.push(
        onMutations(() => {
          gc();
          atPublish = process.memoryUsage().heapUsed;
        }),
      );
      expect(await uow.saveChanges()).toEqual({ written: 10_000 });
      gc();
      const retained = process.memoryUsage().heapUsed - before;
      expect(published.map((batch) => batch.length)).toEqual([10_000]);
      // Measured: see docs/data-service.md (Size). The bounds leave room for the driver's buffers.
      console.log(
        `[${target.name}] 10,000 resource creates: heap at publish +${((atPublish - before) / 2 ** 20).toFixed(1)} MB, retained +${(retained / 2 ** 20).toFixed(1)} MB`,
      );
      expect(atPublish - before).toBeLessThan(128 * 2 ** 20);
      expect(retained).toBeLessThan(16 * 2 ** 20);
      expect(Number((await opened.rows("select count(*) as n from tasks"))[0]!.n)).toBe(10_000);
    }, 180_000);
  });
}

describe("unit of work through resources, heard by a tracked db's query cache", () => {
  it("empties the cache once, after commit, and not at all on a rollback", async () => {
    const opened = openSqliteTasks();
    opened.mount();
    const tracked = trackMutations(
      opened.db,
      { tasks: opened.tables.tasks },
      { cache: { enabled: true, ttl: 60_000 } },
    );
    const service = await createDataService(opened.db, opened.tables, { cache: false });
    const titles = async () => (await tracked.select().from(sqliteTasks)).map((row) => row.title);
    expect(await titles()).toEqual([]);
    await service
      .batch(ann)
      .create("tasks", { title: "a", owner: "ann" })
      .create("tasks", { title: "b", owner: "ann" })
      .saveChanges();
    expect(await titles()).toEqual(["a", "b"]); // the cached empty answer was dropped

    const failed = await service
      .batch(ann)
      .create("tasks", { title: "c", owner: "ann" })
      .create("tasks", { title: "d", owner: "bob" })
      .saveChanges()
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ProblemError);
    expect(await titles()).toEqual(["a", "b"]);
    await service.close();
    await opened.close();
  });
});
