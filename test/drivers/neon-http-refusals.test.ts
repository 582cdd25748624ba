/**
 * Neon's HTTP driver runs no interactive transactions. Plain batch inserts go through its batch
 * API (one transaction, all or nothing); every write that must read a row back before the next
 * one — nested writes, batch updates and upserts, create scopes, search outboxes — is refused
 * with a 501 problem naming the driver, and writes nothing. Never a 500.
 */
import { expect, it } from "vitest";
import { rsql } from "../../src";
import { createMemorySearch } from "../../src/search";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { blogApp } from "../helpers/blog-app";
import { selectDrivers } from "../helpers/drivers";

// Chosen before the suites' modules load (they read the selection once).
selectDrivers(["neon-http"]);
const { eachDialect } = await import("../helpers/suite");
const { eachBlogDialect } = await import("../helpers/blog");

function expectRefusal(res: { status: number; body: any }) {
  expect(res.status).toBe(501);
  expect(res.body).toMatchObject({ code: "TRANSACTIONS_UNSUPPORTED", driver: "neon-http" });
  expect(res.body.detail).toMatch(/neon-http driver cannot run/);
}

eachDialect("writes that need a transaction", (use) => {
  it("runs a plain batch create as one batch, all or nothing", async () => {
    const app = usersApp(use());
    const ok = await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "a", email: "a@x.io" },
        { name: "b", email: "b@x.io" },
      ],
    });
    expect(ok.status).toBe(201);
    const conflict = await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "c", email: "c@x.io" },
        { name: "dup", email: "a@x.io" },
      ],
    });
    expect(conflict.status).toBe(409);
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 2 });
  });

  it("refuses batch updates, deletes and upserts with a problem naming the driver", async () => {
    const app = usersApp(use());
    await createUsers(app, people.slice(0, 2));
    expectRefusal(
      await send(app, "PATCH", "/api/users/batch", {
        body: [
          { id: 1, age: 1 },
          { id: 2, age: 2 },
        ],
      }),
    );
    expectRefusal(
      await send(app, "POST", "/api/users/batch/upsert", { body: [{ id: 1, name: "x", email: "x@x.io" }] }),
    );
    const rows = (await send(app, "GET", "/api/users?orderBy=id")).body.items;
    expect(rows.map((u: any) => u.age)).toEqual([36, 25]);
  });

  it("refuses a create that a create scope must check as stored, and writes nothing", async () => {
    const app = usersApp(use(), { auth: { public: { read: true }, create: () => rsql`ownerId==1` } });
    expectRefusal(
      await send(app, "POST", "/api/users", { body: { name: "a", email: "a@x.io", ownerId: 1 }, user: { id: 1 } }),
    );
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 0 });
  });

  it("refuses writes to a table whose search index keeps an outbox", async () => {
    const outbox = `users_outbox_${process.pid}`;
    const app = usersApp(use(), {
      search: {
        index: createMemorySearch(),
        fields: ["name"],
        outbox: { table: outbox, intervalMs: 0, process: false },
      },
    } as never);
    expectRefusal(await send(app, "POST", "/api/users", { body: { name: "a", email: "a@x.io" } }));
  });
});

eachBlogDialect("nested writes on neon-http", (use) => {
  it("refuses a nested create and writes no parent", async () => {
    const app = blogApp(use());
    expectRefusal(
      await send(app, "POST", "/api/posts", {
        body: { title: "Hello", author: { name: "Nia" }, comments: [{ body: "first" }] },
      }),
    );
    expect((await send(app, "GET", "/api/authors/count")).body).toEqual({ count: 0 });
    expect((await send(app, "GET", "/api/posts/count")).body).toEqual({ count: 0 });
  });
});
