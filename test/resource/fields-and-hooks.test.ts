import { expect, it } from "vitest";
import { ProblemError } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("field allowlists, generated fields and hooks", (use) => {
  it("strips columns outside fields.writable before hooks see them, while hooks may still set them", async () => {
    const seen: unknown[] = [];
    const app = usersApp(use(), {
      fields: { writable: ["name", "email", "age"] },
      hooks: {
        onBeforeCreate: (_ctx, data) => {
          seen.push({ ...data });
          return { ...data, secret: "set-by-server" };
        },
      },
    });
    const res = await send(app, "POST", "/api/users", {
      body: { name: "A", email: "a@x.io", role: "admin", secret: "mine", junk: 1 },
    });
    expect(res.status).toBe(201);
    expect(seen).toEqual([{ name: "A", email: "a@x.io" }]);
    expect(res.body).toMatchObject({ role: "user", secret: "set-by-server" });
    const patched = await send(app, "PATCH", `/api/users/${res.body.id}`, { body: { role: "admin", age: 3 } });
    expect(patched.body).toMatchObject({ role: "user", age: 3 });
  });

  it("rejects unknown fields with 422 under strictInput", async () => {
    const app = usersApp(use(), { strictInput: true });
    const res = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io", nickname: "x" } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "UNKNOWN_FIELD", fields: ["nickname"] });
    expect((await send(app, "GET", "/api/users/count")).body.count).toBe(0);
  });

  it("masks non-readable columns everywhere; select, filter and orderBy cannot reach them", async () => {
    const app = usersApp(use(), { fields: { readable: ["id", "name", "email"] } });
    const created = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io", secret: "s3cret" } });
    expect(created.body).toEqual({ id: 1, name: "A", email: "a@x.io" });
    expect((await send(app, "GET", "/api/users")).body.items).toEqual([{ id: 1, name: "A", email: "a@x.io" }]);
    expect((await send(app, "GET", "/api/users/1")).body).toEqual({ id: 1, name: "A", email: "a@x.io" });
    expect((await send(app, "PATCH", "/api/users/1", { body: { name: "B" } })).body).toEqual({
      id: 1,
      name: "B",
      email: "a@x.io",
    });
    expect((await send(app, "GET", "/api/users?select=secret")).status).toBe(400);
    expect((await send(app, "GET", "/api/users/1?select=name,secret")).status).toBe(400);
    expect((await send(app, "GET", "/api/users?orderBy=secret")).status).toBe(400);
    const probe = await send(app, "GET", `/api/users?filter=${encodeURIComponent('secret=startswith="s"')}`);
    expect(probe.status).toBe(400);
    expect(probe.body.code).toBe("FILTER_PARSE_ERROR");
  });

  it("fills generatedFields when absent and keeps a client value", async () => {
    const app = usersApp(use(), {
      generatedFields: { email: () => `gen-${Math.random()}@x.io`, createdAt: () => new Date(0) },
    });
    const a = await send(app, "POST", "/api/users", { body: { name: "A" } });
    expect(a.body.email).toMatch(/^gen-/);
    expect(a.body.createdAt).toBe("1970-01-01T00:00:00.000Z");
    const b = await send(app, "POST", "/api/users", { body: { name: "B", email: "b@x.io" } });
    expect(b.body.email).toBe("b@x.io");
  });

  it("runs before and after hooks for every operation", async () => {
    const calls: string[] = [];
    const app = usersApp(use(), {
      hooks: {
        onBeforeList: () => void calls.push("beforeList"),
        onAfterList: (_c, rows) => rows.map((r) => ({ ...r, name: String(r.name).toUpperCase() })),
        onBeforeGet: (_c, id) => void calls.push(`beforeGet:${id}`),
        onAfterGet: (_c, row) => ({ ...row, name: `got ${row.name}` }),
        onBeforeCreate: (ctx, data) => {
          calls.push(`beforeCreate:${ctx.operation}`);
          return data;
        },
        onAfterCreate: (_c, row) => void calls.push(`afterCreate:${row.id}`),
        onBeforeUpdate: (_c, id, data, existing) => {
          calls.push(`beforeUpdate:${id}:${existing.name}`);
          return { ...data, age: 99 };
        },
        onAfterUpdate: (_c, row, previous) => void calls.push(`afterUpdate:${previous.age}->${row.age}`),
        onBeforeDelete: (_c, id) => void calls.push(`beforeDelete:${id}`),
        onAfterDelete: (_c, row) => void calls.push(`afterDelete:${row.name}`),
      },
    });
    await send(app, "POST", "/api/users", { body: { name: "a", email: "a@x.io", age: 1 } });
    expect((await send(app, "GET", "/api/users")).body.items[0].name).toBe("A");
    expect((await send(app, "GET", "/api/users/1")).body.name).toBe("got a");
    expect((await send(app, "PATCH", "/api/users/1", { body: { name: "b" } })).body.age).toBe(99);
    await send(app, "DELETE", "/api/users/1");
    expect(calls).toEqual([
      "beforeCreate:create",
      "afterCreate:1",
      "beforeList",
      "beforeGet:1",
      "beforeUpdate:1:a",
      "afterUpdate:1->99",
      "beforeDelete:1",
      "afterDelete:b",
    ]);
  });

  it("aborts with the hook's problem and writes nothing", async () => {
    const app = usersApp(use(), {
      hooks: {
        onBeforeCreate: () => {
          throw new ProblemError("forbidden", { detail: "closed for the day" });
        },
        onBeforeDelete: () => {
          throw new ProblemError("conflict", { detail: "still referenced" });
        },
      },
    });
    const res = await send(app, "POST", "/api/users", { body: { name: "a", email: "a@x.io" } });
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe("closed for the day");
    await createUsers(usersApp(use()), people.slice(0, 1));
    expect((await send(app, "DELETE", "/api/users/1")).status).toBe(409);
    expect((await send(app, "GET", "/api/users/count")).body.count).toBe(1);
  });
});

eachDialect("computed fields", (use) => {
  it("adds computed fields to every response, selectable by name, from the stored row", async () => {
    const app = usersApp(use(), {
      fields: { readable: ["id", "name"] },
      computed: {
        label: (row) => `${row.name} <${row.email}>`,
        isAdult: async (row) => (row.age === null ? null : row.age >= 18),
      },
    });
    const created = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io", age: 20 } });
    expect(created.body).toEqual({ id: 1, name: "A", label: "A <a@x.io>", isAdult: true });
    expect((await send(app, "PATCH", "/api/users/1", { body: { age: 10 } })).body.isAdult).toBe(false);
    expect((await send(app, "GET", "/api/users/1")).body).toEqual({
      id: 1,
      name: "A",
      label: "A <a@x.io>",
      isAdult: false,
    });
    expect((await send(app, "GET", "/api/users?select=name,label")).body.items).toEqual([
      { name: "A", label: "A <a@x.io>" },
    ]);
    expect((await send(app, "GET", "/api/users?select=id")).body.items).toEqual([{ id: 1 }]);
    expect(
      (await send(app, "POST", "/api/users/batch", { body: [{ name: "B", email: "b@x.io" }] })).body.items,
    ).toEqual([{ id: 2, name: "B", label: "B <b@x.io>", isAdult: null }]);
    // Computed names cannot be filtered or sorted on: they are not columns.
    expect((await send(app, "GET", "/api/users?orderBy=label")).status).toBe(400);
  });
});
