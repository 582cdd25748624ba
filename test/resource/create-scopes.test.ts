/**
 * Create scopes see the row as it will be stored — column defaults and generated keys applied —
 * as PostgreSQL's RLS `WITH CHECK` does; a create really outside the scope is 403 with nothing
 * written and nothing published. Single, batch, upsert and nested creates, on every dialect.
 */
import { afterEach, expect, it } from "vitest";
import { rsql } from "../../src";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { send, usersApp } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp } from "../helpers/blog-app";
import { eachDialect } from "../helpers/suite";

const user = { id: 7, role: "user" };
let published: Mutation[] = [];
let stop: (() => void) | undefined;
function recordMutations(): void {
  published = [];
  stop = onMutations((mutations) => void published.push(...mutations));
}
afterEach(() => stop?.());

eachDialect("create scopes check the stored row", (use) => {
  // `role` is `not null default 'user'`; `id` is an autoincrement key.
  const defaultScoped = () => usersApp(use(), { auth: { public: { read: true }, create: () => rsql`role=="user"` } });
  const count = async (app: ReturnType<typeof usersApp>) => (await send(app, "GET", "/api/users/count")).body.count;

  it("admits a POST that omits a column whose default lies inside the scope", async () => {
    const app = defaultScoped();
    const res = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x" }, user });
    expect(res.status, res.text).toBe(201);
    expect(res.body.role).toBe("user");
  });

  it("admits a scope on the generated key (id=isnull=false)", async () => {
    const app = usersApp(use(), { auth: { public: { read: true }, create: () => "id=isnull=false" } });
    const res = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x" }, user });
    expect(res.status, res.text).toBe(201);
    expect(res.body.id).toBe(1);
  });

  it("refuses a create outside the scope with 403, writing and publishing nothing", async () => {
    const app = defaultScoped();
    recordMutations();
    const res = await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x", role: "admin" }, user });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
    expect(await count(app)).toBe(0);
    expect(published).toEqual([]);
    // The rolled-back insert did not even consume a visible row: the next create is the first row.
    expect((await send(app, "POST", "/api/users", { body: { name: "B", email: "b@x" }, user })).status).toBe(201);
    expect(await count(app)).toBe(1);
  });

  it("checks every row of a batch against its stored form, all or nothing", async () => {
    const app = defaultScoped();
    const ok = await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "A", email: "a@x" },
        { name: "B", email: "b@x" },
      ],
      user,
    });
    expect(ok.status, ok.text).toBe(201);
    recordMutations();
    const refused = await send(app, "POST", "/api/users/batch", {
      body: [
        { name: "C", email: "c@x" },
        { name: "D", email: "d@x", role: "admin" },
      ],
      user,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.index).toBe(1);
    expect(await count(app)).toBe(2);
    expect(published).toEqual([]);
  });

  it("checks the created rows of an upsert against their stored form", async () => {
    const app = usersApp(use(), {
      auth: { public: { read: true }, create: () => rsql`role=="user"`, update: () => true },
    });
    const ok = await send(app, "POST", "/api/users/batch/upsert", {
      body: [{ id: 40, name: "A", email: "a@x" }],
      user,
    });
    expect(ok.status, ok.text).toBe(200);
    recordMutations();
    const refused = await send(app, "POST", "/api/users/batch/upsert", {
      body: [
        { id: 40, name: "A2" },
        { id: 41, name: "B", email: "b@x", role: "admin" },
      ],
      user,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.index).toBe(1);
    expect((await send(app, "GET", "/api/users/40")).body.name).toBe("A");
    expect(await count(app)).toBe(1);
    expect(published).toEqual([]);
  });
});

eachBlogDialect("nested create scopes check the stored row", (use) => {
  const counts = async (app: ReturnType<typeof blogApp>) => ({
    authors: (await send(app, "GET", "/api/authors/count")).body.count,
    posts: (await send(app, "GET", "/api/posts/count")).body.count,
  });

  it("admits a nested parent whose defaulted column lies inside its scope, and refuses one outside", async () => {
    // `team` is `not null default 'red'`.
    const app = blogApp(use(), { authors: { auth: { public: { read: true }, create: () => rsql`team=="red"` } } });
    const ok = await send(app, "POST", "/api/posts", { body: { title: "T", author: { name: "A" } }, user });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.author.team).toBe("red");
    recordMutations();
    const refused = await send(app, "POST", "/api/posts", {
      body: { title: "U", author: { name: "B", team: "blue" } },
      user,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.path).toBe("author");
    expect(await counts(app)).toEqual({ authors: 1, posts: 1 });
    expect(published).toEqual([]);
  });
});
