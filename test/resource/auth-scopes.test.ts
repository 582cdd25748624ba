import { expect, it } from "vitest";
import { rsql } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { eachDialect } from "../helpers/suite";
import { interactiveTransactions } from "../helpers/drivers";

const alice = { id: 1, role: "user" };
const bob = { id: 2, role: "user" };

eachDialect("per-operation auth scopes", (use) => {
  const scoped = () =>
    usersApp(use(), {
      auth: {
        read: (user) => (user.role === "banned" ? false : rsql`ownerId==${user.id}`),
        create: (user) => rsql`ownerId==${user.id}`,
        update: (user) => rsql`ownerId==${user.id}`,
        delete: (user) => (user.role === "admin" ? true : rsql`ownerId==${user.id};role!="admin"`),
      },
    });

  async function seeded() {
    const app = scoped();
    const opened = usersApp(use());
    await createUsers(opened, people);
    return app;
  }

  it("refuses anonymous requests with 401 unless auth.public opens the operation", async () => {
    const app = await seeded();
    for (const [method, path] of [
      ["GET", "/api/users"],
      ["GET", "/api/users/1"],
      ["GET", "/api/users/count"],
      ["POST", "/api/users"],
      ["PATCH", "/api/users/1"],
      ["PUT", "/api/users/1"],
      ["DELETE", "/api/users/1"],
    ] as const) {
      const res = await send(app, method, path, {
        body: method === "GET" || method === "DELETE" ? undefined : { name: "x" },
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.code).toBe("UNAUTHORIZED");
    }
    const publicRead = usersApp(use(), { auth: { public: { read: true } } });
    expect((await send(publicRead, "GET", "/api/users")).status).toBe(200);
    expect((await send(publicRead, "POST", "/api/users", { body: { name: "x", email: "x@x" } })).status).toBe(401);
  });

  it("filters reads to the read scope, and 404s rows outside it", async () => {
    const app = await seeded();
    const list = await send(app, "GET", "/api/users", { user: alice });
    expect(list.body.items.map((u: any) => u.name)).toEqual(["Ada", "Cy"]);
    expect((await send(app, "GET", "/api/users/count", { user: alice })).body).toEqual({ count: 2 });
    expect((await send(app, "GET", "/api/users/2", { user: alice })).status).toBe(404);
    expect((await send(app, "GET", "/api/users/1", { user: alice })).status).toBe(200);
    // A client filter narrows the scope, never widens it.
    const widened = await send(app, "GET", `/api/users?filter=${encodeURIComponent("ownerId==2,ownerId==1")}`, {
      user: alice,
    });
    expect(widened.body.items.map((u: any) => u.ownerId)).toEqual([1, 1]);
    const denied = await send(app, "GET", "/api/users", { user: { id: 9, role: "banned" } });
    expect(denied.status).toBe(403);
  });

  it("never serves one user's page to another, however often the same query repeats", async () => {
    const app = await seeded();
    for (let i = 0; i < 3; i++) {
      for (const [user, expected] of [
        [alice, ["Ada", "Cy"]],
        [bob, ["Bob", "Dee"]],
        [{ id: 3, role: "user" }, ["eve"]],
      ] as const) {
        const res = await send(app, "GET", "/api/users?orderBy=name&limit=10", { user });
        expect(res.body.items.map((u: any) => u.name)).toEqual(expected);
      }
    }
  });

  it.skipIf(!interactiveTransactions())("refuses creates outside the create scope and writes nothing", async () => {
    const app = await seeded();
    const res = await send(app, "POST", "/api/users", {
      user: alice,
      body: { name: "Mallory", email: "m@x.io", ownerId: 2 },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
    const ok = await send(app, "POST", "/api/users", {
      user: alice,
      body: { name: "Mine", email: "mine@x.io", ownerId: 1 },
    });
    expect(ok.status).toBe(201);
    expect((await send(usersApp(use()), "GET", "/api/users/count")).body.count).toBe(6);
  });

  it("refuses updates outside the scope, including moving a row out of it, and changes nothing", async () => {
    const app = await seeded();
    const other = await send(app, "PATCH", "/api/users/2", { user: alice, body: { name: "hacked" } });
    expect(other.status).toBe(404);
    const escaped = await send(app, "PATCH", "/api/users/1", { user: alice, body: { ownerId: 2, name: "moved" } });
    expect(escaped.status).toBe(403);
    const replaceEscape = await send(app, "PUT", "/api/users/1", {
      user: alice,
      body: { name: "moved", email: "m@x.io", ownerId: 2 },
    });
    expect(replaceEscape.status).toBe(403);
    const after = await send(usersApp(use()), "GET", "/api/users?orderBy=id");
    expect(after.body.items.map((u: any) => [u.name, u.ownerId])).toEqual(people.map((p) => [p.name, p.ownerId]));
    const ok = await send(app, "PATCH", "/api/users/1", { user: alice, body: { name: "Ada L." } });
    expect(ok.body.name).toBe("Ada L.");
  });

  it("refuses deletes outside the delete scope, leaving the row", async () => {
    const app = await seeded();
    // Ada is Alice's but an admin row, which the delete scope excludes.
    expect((await send(app, "DELETE", "/api/users/1", { user: alice })).status).toBe(403);
    expect((await send(app, "DELETE", "/api/users/2", { user: alice })).status).toBe(404);
    expect((await send(app, "DELETE", "/api/users/3", { user: alice })).status).toBe(204);
    expect((await send(usersApp(use()), "GET", "/api/users/count")).body.count).toBe(4);
    expect((await send(app, "DELETE", "/api/users/2", { user: bob })).status).toBe(204);
  });

  it("lets a user who may write but not read touch only rows in the write scope", async () => {
    const app = usersApp(use(), { auth: { read: () => false, update: (u) => rsql`ownerId==${u.id}` } });
    await createUsers(usersApp(use()), people);
    expect((await send(app, "PATCH", "/api/users/2", { user: alice, body: { age: 1 } })).status).toBe(404);
    expect((await send(app, "PATCH", "/api/users/1", { user: alice, body: { age: 1 } })).status).toBe(200);
  });
});
