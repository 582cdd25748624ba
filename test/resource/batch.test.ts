import { expect, it } from "vitest";
import { rsql } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";
import { interactiveTransactions } from "../helpers/drivers";

eachDialect("batch operations", (use) => {
  const count = async () => (await send(usersApp(use()), "GET", "/api/users/count?withDeleted=true")).body.count;
  const rows = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({ name: `n${from + i}`, email: `n${from + i}@x.io` }));

  it("creates every row in one request", async () => {
    const app = usersApp(use());
    const res = await send(app, "POST", "/api/users/batch", { body: rows(3) });
    expect(res.status).toBe(201);
    expect(res.body.items.map((u: any) => [u.id, u.name])).toEqual([
      [1, "n0"],
      [2, "n1"],
      [3, "n2"],
    ]);
  });

  it("is all-or-nothing: one invalid or conflicting row writes nothing", async () => {
    const app = usersApp(use());
    const invalid = await send(app, "POST", "/api/users/batch", { body: [...rows(2), { name: 5 }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: "VALIDATION_ERROR", index: 2 });
    // This one passes validation and fails in the database, inside the transaction.
    const conflict = await send(app, "POST", "/api/users/batch", {
      body: [...rows(2), { name: "dup", email: "n0@x.io" }],
    });
    expect(conflict.status).toBe(409);
    expect(await count()).toBe(0);
  });

  it.skipIf(!interactiveTransactions())("updates and deletes atomically", async () => {
    const app = usersApp(use());
    await createUsers(app, people);
    const updated = await send(app, "PATCH", "/api/users/batch", {
      body: [
        { id: 1, age: 1 },
        { id: 2, age: 2 },
      ],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.items.map((u: any) => u.age)).toEqual([1, 2]);
    const missing = await send(app, "PATCH", "/api/users/batch", {
      body: [
        { id: 3, age: 3 },
        { id: 99, age: 9 },
      ],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.index).toBe(1);
    expect((await send(app, "GET", "/api/users/3")).body.age).toBeNull();
    const deleted = await send(app, "DELETE", "/api/users/batch", { body: [4, 5] });
    expect(deleted.body).toEqual({ deleted: 2 });
    expect((await send(app, "DELETE", "/api/users/batch", { body: [1, 4] })).status).toBe(404);
    expect(await count()).toBe(3);
  });

  it.skipIf(!interactiveTransactions())("applies writable, strictInput, readable and scopes to every row", async () => {
    const app = usersApp(use(), {
      fields: { writable: ["name", "email", "ownerId"], readable: ["id", "name"] },
      strictInput: true,
      auth: {
        read: () => true,
        create: (u) => rsql`ownerId==${u.id}`,
        update: (u) => rsql`ownerId==${u.id}`,
        delete: (u) => rsql`ownerId==${u.id}`,
      },
    });
    const user = { id: 1 };
    const created = await send(app, "POST", "/api/users/batch", {
      user,
      body: [{ name: "a", email: "a@x.io", ownerId: 1, role: "admin" }],
    });
    expect(created.body.items).toEqual([{ id: 1, name: "a" }]);
    expect((await send(usersApp(use()), "GET", "/api/users/1")).body.role).toBe("user");
    const strict = await send(app, "POST", "/api/users/batch", {
      user,
      body: [{ name: "b", email: "b@x.io", ownerId: 1, nick: "x" }],
    });
    expect(strict.body).toMatchObject({ status: 422, code: "UNKNOWN_FIELD", index: 0 });
    const scoped = await send(app, "POST", "/api/users/batch", {
      user,
      body: [
        { name: "c", email: "c@x.io", ownerId: 1 },
        { name: "d", email: "d@x.io", ownerId: 2 },
      ],
    });
    expect(scoped.body).toMatchObject({ status: 403, index: 1 });
    // A refused create was inserted and rolled back: on Postgres it used up sequence values.
    const [theirs] = await createUsers(usersApp(use()), [{ name: "theirs", email: "t@x.io", ownerId: 2 }]);
    const moved = await send(app, "PATCH", "/api/users/batch", { user, body: [{ id: 1, ownerId: 2 }] });
    expect(moved.status).toBe(403);
    const foreign = await send(app, "DELETE", "/api/users/batch", { user, body: [1, theirs.id] });
    expect(foreign.body).toMatchObject({ status: 403, index: 1 });
    expect(await count()).toBe(2);
  });

  it("refuses bodies that are not arrays, empty or duplicate batches, and batches over the limit", async () => {
    const app = usersApp(use(), { batch: { create: 2, delete: 2 } });
    await createUsers(usersApp(use()), people.slice(0, 2));
    for (const body of [{ items: rows(1) }, [], "x", [1]]) {
      const res = await send(app, "POST", "/api/users/batch", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_ERROR");
    }
    const over = await send(app, "POST", "/api/users/batch", { body: rows(3) });
    expect(over.body).toMatchObject({ status: 400, code: "BATCH_LIMIT_EXCEEDED", limit: 2, size: 3 });
    expect(
      (
        await send(app, "PATCH", "/api/users/batch", {
          body: [
            { id: 1, age: 1 },
            { id: 1, age: 2 },
          ],
        })
      ).body,
    ).toMatchObject({ code: "VALIDATION_ERROR", index: 1 });
    expect((await send(app, "DELETE", "/api/users/batch", { body: [{ nope: 1 }] })).body.code).toBe("VALIDATION_ERROR");
    expect((await send(app, "PUT", "/api/users/batch", { body: [] })).status).toBe(405);
    expect(await count()).toBe(2);
  });
});

eachDialect("batch upsert", (use) => {
  it.skipIf(!interactiveTransactions())(
    "updates existing rows and creates new ones by primary key, atomically",
    async () => {
      const app = usersApp(use(), { etag: { versionField: "version" } });
      await createUsers(app, people.slice(0, 2));
      const res = await send(app, "POST", "/api/users/batch/upsert", {
        body: [
          { id: 2, age: 99 },
          { id: 10, name: "New", email: "new@x.io" },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.items.map((u: any) => [u.id, u.name, u.age, u.version])).toEqual([
        [2, "Bob", 99, 2],
        [10, "New", null, 1],
      ]);
      const failing = await send(app, "POST", "/api/users/batch/upsert", {
        body: [
          { id: 1, age: 1 },
          { id: 11, name: "no email" },
        ],
      });
      expect(failing.body).toMatchObject({ status: 400, code: "VALIDATION_ERROR", index: 1 });
      expect((await send(app, "GET", "/api/users/1")).body.age).toBe(36);
      expect((await send(app, "POST", "/api/users/batch/upsert", { body: [{ name: "no id" }] })).body.code).toBe(
        "VALIDATION_ERROR",
      );
    },
  );

  it.skipIf(!interactiveTransactions())(
    "applies the create scope to new rows and the update scope to existing ones",
    async () => {
      const { rsql } = await import("../../src");
      const app = usersApp(use(), {
        auth: { read: () => true, create: (u) => rsql`ownerId==${u.id}`, update: () => false },
      });
      await createUsers(usersApp(use()), people.slice(0, 1));
      const user = { id: 1 };
      expect(
        (
          await send(app, "POST", "/api/users/batch/upsert", {
            user,
            body: [{ id: 5, name: "n", email: "n@x.io", ownerId: 1 }],
          })
        ).status,
      ).toBe(200);
      const blocked = await send(app, "POST", "/api/users/batch/upsert", {
        user,
        body: [
          { id: 6, name: "m", email: "m@x.io", ownerId: 1 },
          { id: 1, age: 2 },
        ],
      });
      expect(blocked.body).toMatchObject({ status: 403, index: 1 });
      expect((await send(usersApp(use()), "GET", "/api/users/6")).status).toBe(404);
    },
  );
});
