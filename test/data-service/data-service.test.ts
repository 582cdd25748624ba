import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDataService, type DataService } from "../../src/data-service";
import { ProblemError } from "../../src/kernel/errors";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { openPglite, openSqlite } from "./fixtures";

const targets = [
  { name: "better-sqlite3", open: async () => openSqlite() },
  { name: "pglite", open: openPglite },
];

for (const target of targets) {
  describe(`data service [${target.name}]`, () => {
    let opened: Awaited<ReturnType<typeof target.open>>;
    // One database per driver (PGlite takes seconds to start), emptied before each test.
    beforeAll(async () => {
      opened = await target.open();
    }, 120_000);
    afterAll(() => opened?.close());
    let cleanup: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });

    async function setup() {
      const { db, tables, reset } = opened;
      await reset();
      const service = await createDataService(db, tables, { cache: { minTtlMs: 1000, maxTtlMs: 60_000 } });
      cleanup.push(() => service.close());
      return { db, tables, service };
    }

    async function countNotes(service: DataService<Awaited<ReturnType<typeof target.open>>["tables"]>) {
      return (await service.list("notes", { limit: 1000 })).length;
    }

    it("serves a second get and list from the cache, frozen, and counts hits and misses", async () => {
      const { service } = await setup();
      const note = await service.create("notes", { title: "a" });
      expect(await service.get("notes", note.id)).toMatchObject({ id: note.id, title: "a" });
      const again = await service.get("notes", note.id);
      expect(Object.isFrozen(again)).toBe(true);
      await service.list("notes");
      await service.list("notes");
      expect(service.stats()).toMatchObject({ hits: 2, misses: 2, hitRate: 0.5, entries: 2 });
      expect(await service.get("notes", 999_999)).toBeNull();
      expect(await service.get("notes", 999_999)).toBeNull(); // misses are not cached
      expect(service.stats().misses).toBe(4);
    });

    it("invalidates as hapta's table says: get on update and delete, list on every write", async () => {
      const { service } = await setup();
      const a = await service.create("notes", { title: "a" });
      const b = await service.create("notes", { title: "b" });
      await service.get("notes", a.id);
      await service.get("notes", b.id);
      await service.list("notes");

      await service.create("notes", { title: "c" });
      expect((await service.list("notes")).map((n) => n.title)).toEqual(["a", "b", "c"]);
      const hits = service.stats().hits;
      await service.get("notes", a.id); // a create leaves gets cached
      expect(service.stats().hits).toBe(hits + 1);

      await service.update("notes", a.id, { title: "a2" });
      expect(await service.get("notes", a.id)).toMatchObject({ title: "a2" });
      expect((await service.list("notes")).map((n) => n.title)).toEqual(["a2", "b", "c"]);
      await service.delete("notes", b.id);
      expect(await service.get("notes", b.id)).toBeNull();
      expect((await service.list("notes")).map((n) => n.title)).toEqual(["a2", "c"]);
    });

    it("lists with equality filters, order and pages as separate cache entries", async () => {
      const { service } = await setup();
      for (const [title, owner, rank] of [
        ["x", "ann", 3],
        ["y", "bob", 2],
        ["z", "ann", 1],
      ] as const)
        await service.create("notes", { title, owner, rank });
      expect((await service.list("notes", { where: { owner: "ann" }, orderBy: "rank" })).map((n) => n.title)).toEqual([
        "z",
        "x",
      ]);
      expect(
        (await service.list("notes", { orderBy: "rank", desc: true, limit: 1, page: 2 })).map((n) => n.title),
      ).toEqual(["y"]);
      // An unknown column is the caller's bad input: a 400 problem naming it, never a 500.
      const unknown = await service.list("notes", { orderBy: "nope" as "rank" }).catch((error: unknown) => error);
      expect(unknown).toBeInstanceOf(ProblemError);
      expect((unknown as ProblemError).toJSON()).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
      await expect(service.list("notes", { where: { nope: 1 } as never })).rejects.toMatchObject({
        status: 400,
      });
    });

    it("is invalidated by writes made elsewhere through a tracked db", async () => {
      const { service } = await setup();
      const note = await service.create("notes", { title: "a" });
      await service.get("notes", note.id);
      await service.list("notes");
      await opened.renameTracked(note.id, "changed elsewhere");
      expect(await service.get("notes", note.id)).toMatchObject({ title: "changed elsewhere" });
      expect((await service.list("notes"))[0]).toMatchObject({ title: "changed elsewhere" });
    });

    it("saves a unit of work in one transaction and publishes its mutations once", async () => {
      const { service } = await setup();
      const keep = await service.create("notes", { title: "keep" });
      const drop = await service.create("notes", { title: "drop" });
      await service.list("notes");
      const published: (readonly Mutation[])[] = [];
      const off = onMutations((mutations) => {
        published.push(mutations);
      });
      cleanup.push(off);
      const uow = service.batch();
      uow.create("notes", { title: "new" }).update("notes", keep.id, { title: "kept" }).delete("notes", drop.id);
      expect(uow.size).toBe(3);
      expect(await uow.saveChanges()).toEqual({ written: 3 });
      expect(uow.size).toBe(0);
      expect(published).toHaveLength(1);
      expect(published[0]!.map((m) => m.op)).toEqual(["create", "update", "delete"]);
      expect((await service.list("notes")).map((n) => n.title)).toEqual(["kept", "new"]);
    });

    it("rolls everything back on the first failure and names the failing operation", async () => {
      const { service } = await setup();
      const note = await service.create("notes", { title: "a" });
      const uow = service
        .batch()
        .create("notes", { title: "b" })
        .update("notes", note.id, { title: "a2" })
        .delete("notes", 424_242)
        .create("notes", { title: "never" });
      const failure = await uow.saveChanges().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProblemError);
      expect((failure as ProblemError).toJSON()).toMatchObject({
        status: 404,
        code: "NOT_FOUND",
        index: 2,
        op: "delete",
        table: "notes",
      });
      expect(uow.size).toBe(4); // kept, so the caller may fix and retry
      expect((await service.list("notes")).map((n) => n.title)).toEqual(["a"]);

      // A constraint the database enforces (NOT NULL title) is a problem too, not a raw driver error.
      const broken = service
        .batch()
        .create("notes", { title: "ok" })
        .create("notes", { title: null as unknown as string });
      const refused = await broken.saveChanges().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ProblemError);
      const doc = (refused as ProblemError).toJSON();
      expect(doc).toMatchObject({ index: 1, op: "create", table: "notes" });
      expect(doc.status).toBeLessThan(500);
      expect(await countNotes(service)).toBe(1);
    });

    it("answers a failed unit of work in a route with problem+json naming the operation", async () => {
      const { service } = await setup();
      const app = new Hono();
      app.post("/save", async (c) => {
        await service.batch().create("notes", { title: "a" }).update("notes", 777, { title: "b" }).saveChanges();
        return c.json({ ok: true });
      });
      const response = await app.request("/save", { method: "POST" });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({ code: "NOT_FOUND", index: 1, op: "update", table: "notes" });
      expect(await countNotes(service)).toBe(0);
    });

    it("keeps 10,000 operations in one transaction without exhausting memory", async () => {
      const { service } = await setup();
      globalThis.gc?.();
      const before = process.memoryUsage().rss;
      const uow = service.batch();
      for (let i = 0; i < 10_000; i++) uow.create("notes", { title: `note ${i}`, rank: i });
      const published: number[] = [];
      const off = onMutations((mutations) => {
        published.push(mutations.length);
      });
      cleanup.push(off);
      expect(await uow.saveChanges()).toEqual({ written: 10_000 });
      const grown = process.memoryUsage().rss - before;
      expect(published).toEqual([10_000]);
      expect(grown).toBeLessThan(256 * 1024 * 1024);
      expect((await service.list("notes", { orderBy: "rank", desc: true, limit: 1 }))[0]).toMatchObject({
        rank: 9_999,
      });
    }, 120_000);
  });
}
