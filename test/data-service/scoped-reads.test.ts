/**
 * The data service's reads for an actor go through the table's resource, as its endpoints answer
 * that user: read access (401), the read scope, soft delete, fields that are not readable left out,
 * and no filtering or sorting by them; each actor's view cached apart and dropped on any write.
 * Reads without an actor stay trusted (the table as stored). On better-sqlite3 and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataService } from "../../src/data-service";
import { ProblemError } from "../../src/kernel/errors";
import { openPgliteTasks, openSqliteTasks } from "./uow-fixtures";

const ann = { user: { id: "ann" } };
const bob = { user: { id: "bob" } };
const own = (user: { id: string | number }) => `owner==${String(user.id)}`;

const targets = [
  { name: "better-sqlite3", open: async () => openSqliteTasks() },
  { name: "pglite", open: openPgliteTasks },
];

async function problemOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).toJSON();
}

for (const target of targets) {
  describe(`data service reads for an actor [${target.name}]`, () => {
    let opened: Awaited<ReturnType<typeof target.open>>;
    beforeAll(async () => {
      opened = await target.open();
      // Each user reads only their own rows, and nobody reads `rank`.
      opened.mount(false, {
        auth: { read: own, create: own, update: own, delete: own },
        fields: { readable: ["id", "title", "owner", "deleted"] },
      });
    }, 120_000);
    afterAll(() => opened?.close());

    async function seeded(options: { writes?: "auto" | "table" } = {}) {
      await opened.reset();
      const service = await createDataService(opened.db, opened.tables, { cache: {}, ...options });
      const first = await service.create("tasks", { title: "a1", owner: "ann", rank: 3 }, ann);
      const second = await service.create("tasks", { title: "a2", owner: "ann", rank: 1 }, ann);
      const bobs = await service.create("tasks", { title: "b1", owner: "bob", rank: 2 }, bob);
      return { service, ids: { first: first.id, second: second.id, bobs: bobs.id } };
    }

    it("answers as the resource does for the actor: scope, readable fields, soft delete", async () => {
      const { service, ids } = await seeded();
      try {
        expect(await service.get("tasks", ids.first, ann)).toEqual({
          id: ids.first,
          title: "a1",
          owner: "ann",
          deleted: false,
        });
        expect(await service.get("tasks", ids.bobs, ann)).toBeNull();
        expect((await service.list("tasks", {}, ann)).map((row) => row.title)).toEqual(["a1", "a2"]);
        expect((await service.list("tasks", {}, bob)).map((row) => row.title)).toEqual(["b1"]);
        for (const row of await service.list("tasks", {}, ann)) expect(row).not.toHaveProperty("rank");

        // Without an actor: the table as stored, every column.
        expect(await service.get("tasks", ids.bobs)).toMatchObject({ title: "b1", rank: 2 });

        await service.delete("tasks", ids.second, ann);
        expect(await service.get("tasks", ids.second, ann)).toBeNull();
        expect((await service.list("tasks", {}, ann)).map((row) => row.title)).toEqual(["a1"]);
        expect(await service.get("tasks", ids.second)).toMatchObject({ deleted: true });
      } finally {
        await service.close();
      }
    });

    it("pages, sorts and filters by readable fields only", async () => {
      const { service } = await seeded();
      try {
        await service.create("tasks", { title: "a3", owner: "ann" }, ann);
        const page = (n: number) => service.list("tasks", { orderBy: "title", desc: true, limit: 2, page: n }, ann);
        expect((await page(1)).map((row) => row.title)).toEqual(["a3", "a2"]);
        expect((await page(2)).map((row) => row.title)).toEqual(["a1"]);
        expect((await service.list("tasks", { where: { title: "a2" } }, ann)).map((row) => row.title)).toEqual(["a2"]);
        for (const query of [{ where: { rank: 1 } }, { orderBy: "rank" as const }]) {
          const problem = await problemOf(service.list("tasks", query, ann));
          expect(problem).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
          expect(problem.detail).toContain("rank");
        }
      } finally {
        await service.close();
      }
    });

    it("refuses an actor the resource refuses: anonymous is a 401", async () => {
      const { service, ids } = await seeded();
      try {
        expect(await problemOf(service.get("tasks", ids.first, { user: null }))).toMatchObject({ status: 401 });
        expect(await problemOf(service.list("tasks", {}, { user: null }))).toMatchObject({ status: 401 });
      } finally {
        await service.close();
      }
    });

    it("caches each actor's view apart, and any write to the table drops them", async () => {
      const { service, ids } = await seeded();
      try {
        await service.list("tasks", {}, ann);
        await service.get("tasks", ids.first, ann);
        const before = service.stats();
        expect((await service.list("tasks", {}, ann)).length).toBe(2);
        expect(await service.get("tasks", ids.first, ann)).toMatchObject({ title: "a1" });
        expect(service.stats().hits).toBe(before.hits + 2);
        // Bob's view is not Ann's cached one.
        expect((await service.list("tasks", {}, bob)).map((row) => row.title)).toEqual(["b1"]);

        // A write elsewhere in the table: every actor's view is read again.
        await service.create("tasks", { title: "a4", owner: "ann" }, ann);
        expect((await service.list("tasks", {}, ann)).map((row) => row.title)).toEqual(["a1", "a2", "a4"]);
        await service.update("tasks", ids.first, { title: "a1!" }, ann);
        expect(await service.get("tasks", ids.first, ann)).toMatchObject({ title: "a1!" });
      } finally {
        await service.close();
      }
    });

    it('with writes: "table", an actor\'s reads go to the table too', async () => {
      const { service, ids } = await seeded({ writes: "table" });
      try {
        expect(await service.get("tasks", ids.bobs, ann)).toMatchObject({ title: "b1", rank: 2 });
      } finally {
        await service.close();
      }
    });
  });
}
