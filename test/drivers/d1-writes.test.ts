/**
 * What D1 does instead of a transaction (docs/databases.md#d1): every all-or-nothing write is one
 * `db.batch()`, with guards inside it for rows that must still exist and for scopes on the stored
 * row, and nested children reading their parent's generated key back inside the batch. The two
 * writes it cannot do that way are refused with a 501 problem, and write nothing. Never a 500.
 */
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { createMemorySearch } from "../../src/search";
import { rsql } from "../../src";
import { createUsers, people, send, usersApp } from "../helpers/app";
import { blogApp } from "../helpers/blog-app";
import { selectDrivers } from "../helpers/drivers";

// Chosen before the suites' modules load (they read the selection once).
selectDrivers(["d1"]);
const { eachDialect } = await import("../helpers/suite");
const { eachBlogDialect } = await import("../helpers/blog");

eachDialect("D1 batch writes", (use) => {
  it("rolls the whole batch back when a row vanished between its read and the write", async () => {
    const t = use();
    const [first, second] = await createUsers(usersApp(t), people.slice(0, 2));
    const run = (db: unknown, statement: string) =>
      (db as { run(q: unknown): Promise<unknown> }).run(sql.raw(statement));
    const app = usersApp(t, {
      hooks: {
        // Runs after the first row was read and before the batch is sent.
        onBeforeUpdate: async (_ctx, _id, data) => {
          if (data.name === "B2") await run(t.db, `delete from users where id = ${first.id}`);
          return data;
        },
      },
    });
    const res = await send(app, "PATCH", "/api/users/batch", {
      body: [
        { id: first.id, name: "A2" },
        { id: second.id, name: "B2" },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ index: 0 });
    expect((await send(app, "GET", `/api/users/${second.id}`)).body.name).toBe("Bob");
  });

  it("checks the create scope on the stored row (a database default counts) and writes nothing when one is outside", async () => {
    const app = usersApp(use(), { auth: { public: { read: true }, create: () => rsql`role==admin` } });
    const res = await send(app, "POST", "/api/users/batch", {
      user: { id: 1 },
      body: [
        { name: "a", email: "a@x.io", role: "admin" },
        { name: "b", email: "b@x.io" },
      ],
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ index: 1 });
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 0 });
    expect(
      (await send(app, "POST", "/api/users", { user: { id: 1 }, body: { name: "c", email: "c@x.io", role: "admin" } }))
        .status,
    ).toBe(201);
  });

  it("refuses writes to a table whose search index keeps an outbox, naming the driver", async () => {
    const outbox = `users_outbox_${process.pid}`;
    const app = usersApp(use(), {
      search: {
        index: createMemorySearch(),
        fields: ["name"],
        outbox: { table: outbox, intervalMs: 0, process: false },
      },
    } as never);
    for (const res of [
      await send(app, "POST", "/api/users", { body: { name: "a", email: "a@x.io" } }),
      await send(app, "POST", "/api/users/batch", { body: [{ name: "a", email: "a@x.io" }] }),
    ]) {
      expect(res.status).toBe(501);
      expect(res.body).toMatchObject({ code: "TRANSACTIONS_UNSUPPORTED", driver: "d1" });
    }
    expect((await send(app, "GET", "/api/users/count")).body).toEqual({ count: 0 });
  });
});

eachBlogDialect("D1 nested writes", (use) => {
  it("finds a generated parent key inside the batch after later rows of the same table", async () => {
    const app = blogApp(use());
    const res = await send(app, "POST", "/api/comments", {
      body: { body: "hi", author: { name: "Gen" }, post: { title: "T", author: { name: "Gen2" } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.author.name).toBe("Gen");
    expect(res.body.authorId).toBe(res.body.author.id);
    expect(res.body.post.authorId).toBe(res.body.post.author.id);
    expect(res.body.post.author.name).toBe("Gen2");
    expect(res.body.postId).toBe(res.body.post.id);
  });

  it("refuses a tree where an explicit integer key could be mistaken for a generated one, and writes nothing", async () => {
    const app = blogApp(use());
    const res = await send(app, "POST", "/api/comments", {
      body: { body: "hi", author: { name: "Gen" }, post: { title: "T", author: { id: 50, name: "Fixed" } } },
    });
    expect(res.status).toBe(501);
    expect(res.body).toMatchObject({ code: "NESTED_WRITE_UNSUPPORTED", driver: "d1" });
    expect((await send(app, "GET", "/api/authors/count")).body).toEqual({ count: 0 });
  });

  it("sends a parent key the client gave as a value", async () => {
    const app = blogApp(use());
    const res = await send(app, "POST", "/api/posts", {
      body: { title: "T", author: { id: 7, name: "Seven" }, comments: [{ body: "a" }, { body: "b" }] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ authorId: 7, comments: [{ postId: res.body.id }, { postId: res.body.id }] });
  });
});
