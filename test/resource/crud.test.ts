import { getTableName } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createCovara } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";

eachDialect("CRUD endpoints", (use) => {
  it("creates with 201, a Location header and column defaults", async () => {
    const app = usersApp(use());
    const res = await send(app, "POST", "/api/users", { body: { name: "Ada", email: "ada@example.com", age: 36 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: 1,
      name: "Ada",
      email: "ada@example.com",
      age: 36,
      role: "user",
      active: true,
      secret: null,
    });
    expect(res.headers.get("location")).toBe("/api/users/1");
  });

  it("lists, gets, patches, replaces and deletes", async () => {
    const app = usersApp(use());
    await createUsers(app, people);
    const list = await send(app, "GET", "/api/users");
    expect(list.status).toBe(200);
    expect(list.body.items.map((u: any) => u.name)).toEqual(["Ada", "Bob", "Cy", "Dee", "eve"]);
    expect(list.body).toMatchObject({ hasMore: false, nextCursor: null });

    const one = await send(app, "GET", "/api/users/2");
    expect(one.body).toMatchObject({ id: 2, name: "Bob", age: 25 });

    const patched = await send(app, "PATCH", "/api/users/2", { body: { age: 26 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: 2, name: "Bob", age: 26, role: "user" });

    const replaced = await send(app, "PUT", "/api/users/2", { body: { name: "Robert", email: "rob@example.com" } });
    expect(replaced.status).toBe(200);
    // PUT resets nullable columns it does not mention and keeps defaulted ones.
    expect(replaced.body).toMatchObject({
      id: 2,
      name: "Robert",
      email: "rob@example.com",
      age: null,
      score: null,
      role: "user",
    });

    const removed = await send(app, "DELETE", "/api/users/2");
    expect(removed.status).toBe(204);
    const gone = await send(app, "GET", "/api/users/2");
    expect(gone.status).toBe(404);
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 4 });
  });

  it("answers a missing row with a not-found problem", async () => {
    const res = await send(usersApp(use()), "GET", "/api/users/123");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toEqual({
      type: "/__covara/problems/not-found",
      title: "Not found",
      status: 404,
      code: "NOT_FOUND",
      detail: "users with id '123' not found",
      resource: "users",
      id: "123",
    });
  });

  it("counts with a filter", async () => {
    const app = usersApp(use());
    await createUsers(app, people);
    const res = await send(app, "GET", `/api/users/count?filter=${encodeURIComponent('role=="admin"')}`);
    expect(res.body).toEqual({ count: 2 });
  });

  it("round-trips dates as ISO strings and accepts epoch milliseconds", async () => {
    const app = usersApp(use());
    const iso = "2024-05-06T07:08:09.123Z";
    const a = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io", createdAt: iso } });
    expect(a.body.createdAt).toBe(iso);
    const b = await send(app, "POST", "/api/users", {
      body: { name: "B", email: "b@x.io", createdAt: Date.parse(iso) },
    });
    expect(b.body.createdAt).toBe(iso);
    const filtered = await send(app, "GET", `/api/users?filter=${encodeURIComponent(`createdAt>=${iso}`)}`);
    expect(filtered.body.items).toHaveLength(2);
  });

  it("serves a text-keyed table, mounted by table name when no path is given", async () => {
    const t = use();
    const app = createCovara().resource(t.notes, {
      id: t.notes.id,
      db: t.db,
      auth: { public: { read: true, create: true } },
    });
    const path = `/api/${getTableName(t.notes)}`;
    const created = await send(app, "POST", path, { body: { id: "note-1", title: "Hello" } });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`${path}/note-1`);
    expect((await send(app, "GET", `${path}/note-1`)).body).toEqual({ id: "note-1", title: "Hello", ownerId: null });
    expect((await send(app, "GET", `${path}/missing`)).body.resource).toBe(getTableName(t.notes));
  });

  it("answers health and readiness", async () => {
    const app = usersApp(use());
    expect((await send(app, "GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await send(app, "GET", "/readyz")).body).toEqual({ status: "ready" });
  });
});

describe("routing", () => {
  it("answers unknown routes and wrong methods with problems", async () => {
    const app = createCovara();
    const res = await send(app, "GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("NOT_FOUND");
  });
});

describe("useResource in a plain Hono app", () => {
  it("serves the endpoints and renders problems through the exported handlers", async () => {
    const { Hono } = await import("hono");
    const { useResource, errorHandler, notFoundHandler } = await import("../../src");
    const { dialectTargets } = await import("../helpers/dialects");
    const t = await dialectTargets[0]!.open();
    try {
      const app = new Hono();
      app.onError(errorHandler);
      app.notFound(notFoundHandler);
      app.use("*", async (c, next) => {
        c.set("user" as never, { id: 1 } as never);
        await next();
      });
      app.route("/api/users", useResource(t.users, { id: t.users.id, db: t.db }));
      const created = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } });
      expect(created.status).toBe(201);
      expect((await send(app, "GET", "/api/users/9")).body.code).toBe("NOT_FOUND");
      expect((await send(app, "GET", "/elsewhere")).body.code).toBe("NOT_FOUND");
      // Without any handler on the host app, the router still renders its own problems.
      const bare = new Hono().route("/u", useResource(t.users, { id: t.users.id, db: t.db }));
      const anonymous = await send(bare, "GET", "/u");
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      await t.close();
    }
  });

  it("answers CORS preflights when cors is on", async () => {
    const app = createCovara({ cors: true });
    const res = await app.request("/api/users", {
      method: "OPTIONS",
      headers: { origin: "https://a.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});
