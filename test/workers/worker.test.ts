/**
 * The README's Worker (`export default { fetch }`, drizzle-orm/d1) bundled and run inside workerd
 * with a real D1 binding, driven through Miniflare's dispatchFetch: CRUD, filters, cursor pages,
 * batch writes, nested writes, and problem+json on bad input. The tables are pushed from Node over
 * the same binding before the first request.
 */
import { drizzle } from "drizzle-orm/d1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTables } from "../../src/db";
import { startWorker, testPath, type RunningWorker } from "../helpers/workerd";
import { authorsTable, commentsTable, postsTable, usersTable } from "./fixtures/schema";

let worker: RunningWorker;

beforeAll(async () => {
  worker = await startWorker({ entry: testPath("./fixtures/app-worker.ts", import.meta.url) });
  const binding = await worker.mf.getD1Database("DB");
  await pushTables(drizzle(binding as never), [usersTable, authorsTable, postsTable, commentsTable]);
}, 60_000);

afterAll(() => worker?.dispose());

async function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; type: string | null; body: any }> {
  const res = await worker.fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body: text ? JSON.parse(text) : null };
}

describe("the README's Worker under workerd on D1", () => {
  it("creates, reads, updates and deletes", async () => {
    const created = await send("POST", "/api/users", { name: "Ada", email: "ada@x.io" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 1, name: "Ada", role: "user" });
    expect((await send("GET", "/api/users/1")).body).toMatchObject({ name: "Ada" });
    expect((await send("PATCH", "/api/users/1", { role: "admin" })).body).toMatchObject({ role: "admin" });
    expect((await send("DELETE", "/api/users/1")).status).toBe(204);
    expect((await send("GET", "/api/users/1")).status).toBe(404);
  });

  it("writes batches atomically: create, update, upsert, delete, and nothing on a conflict", async () => {
    const people = Array.from({ length: 5 }, (_, i) => ({
      name: `p${i}`,
      email: `p${i}@x.io`,
      role: i % 2 ? "admin" : "user",
    }));
    const created = await send("POST", "/api/users/batch", people);
    expect(created.status).toBe(201);
    const ids = created.body.items.map((u: any) => u.id);
    expect(
      (
        await send("PATCH", "/api/users/batch", [
          { id: ids[0], name: "q0" },
          { id: ids[1], name: "q1" },
        ])
      ).status,
    ).toBe(200);
    const upsert = await send("POST", "/api/users/batch/upsert", [
      { id: ids[2], name: "r2", email: "p2@x.io" },
      { id: 100, name: "new", email: "new@x.io" },
    ]);
    expect(upsert.status).toBe(200);
    expect(upsert.body.items.map((u: any) => u.name)).toEqual(["r2", "new"]);
    const conflict = await send("POST", "/api/users/batch", [
      { name: "ok", email: "fresh@x.io" },
      { name: "dup", email: "p3@x.io" },
    ]);
    expect(conflict.status).toBe(409);
    expect(conflict.type).toContain("application/problem+json");
    expect((await send("GET", "/api/users?filter=email==fresh@x.io")).body.items).toEqual([]);
    // A missing row in a batch update rolls the whole batch back.
    const missing = await send("PATCH", "/api/users/batch", [
      { id: ids[3], name: "changed" },
      { id: 9999, name: "ghost" },
    ]);
    expect(missing.status).toBe(404);
    expect((await send("GET", `/api/users/${ids[3]}`)).body.name).toBe("p3");
    expect((await send("DELETE", "/api/users/batch", [ids[3], ids[4]])).body).toEqual({ deleted: 2 });
  });

  it("filters and pages with cursors", async () => {
    const admins = await send(
      "GET",
      `/api/users?filter=${encodeURIComponent('role==admin;name=like="q%"')}&orderBy=id`,
    );
    expect(admins.status).toBe(200);
    expect(admins.body.items.map((u: any) => u.name)).toEqual(["q1"]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await send(
        "GET",
        `/api/users?orderBy=id&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((u: any) => u.name));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["q0", "q1", "r2", "new"]);
  });

  it("creates a nested tree in one D1 batch: the parent, the row and its children with their keys", async () => {
    const res = await send("POST", "/api/posts", {
      title: "Hello",
      author: { name: "Nia" },
      comments: [{ body: "one", author: { name: "Ola" } }, { body: "two" }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: "Hello",
      author: { name: "Nia" },
      comments: [{ body: "one", author: { name: "Ola" } }, { body: "two" }],
    });
    const post = res.body;
    expect(post.authorId).toBe(post.author.id);
    for (const comment of post.comments) expect(comment.postId).toBe(post.id);
    expect(post.comments[0].authorId).toBe(post.comments[0].author.id);
    expect(post.author.id).not.toBe(post.comments[0].author.id);
  });

  it("answers bad input with problem+json, never a 500", async () => {
    const cases = [
      await send("POST", "/api/users", { name: 1 }),
      await send("GET", "/api/users?filter=name=unknown=x"),
      await send("GET", "/api/users?cursor=not-a-cursor"),
      await send("GET", "/api/users/abc"),
      await send("POST", "/api/users/batch", { not: "an array" }),
      await send("POST", "/api/posts", { title: "x", comments: "nope" }),
      // More values than D1 binds in one statement (100).
      await send(
        "GET",
        `/api/users?filter=${encodeURIComponent(`id=in=(${Array.from({ length: 150 }, (_, i) => i).join(",")})`)}`,
      ),
    ];
    for (const res of cases) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.type).toContain("application/problem+json");
      expect(typeof res.body.code).toBe("string");
    }
  });
});

describe("covara/workers' createWorker under workerd", () => {
  let helper: RunningWorker;
  beforeAll(async () => {
    helper = await startWorker({ entry: testPath("./fixtures/helper-worker.ts", import.meta.url) });
    await pushTables(drizzle((await helper.mf.getD1Database("DB")) as never), [usersTable]);
  }, 60_000);
  afterAll(() => helper?.dispose());

  it("builds the app from the bindings on the first request and serves every later one", async () => {
    const created = await helper.fetch("/api/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", email: "a@x.io" }),
    });
    expect(created.status).toBe(201);
    const list = await (await helper.fetch("/api/users")).json();
    expect((list as any).items.map((u: any) => u.name)).toEqual(["Ada"]);
  });
});
