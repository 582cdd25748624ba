/**
 * The Field-Level Write Enforcement and Field-Level Read Masking contracts, bullet by bullet,
 * across every response path: list, get, create, update, batch, upsert, search, subscriptions.
 */
import { expect, it } from "vitest";
import { createMemorySearch } from "../../src";
import { send } from "../helpers/app";
import { eachBlogDialect } from "../helpers/blog";
import { blogApp } from "../helpers/blog-app";
import { SseReader } from "../helpers/sse";

eachBlogDialect("field-level write enforcement", (use) => {
  it("Enforced allowlist: any table column not in fields.writable is stripped from create/update bodies (single, batch, and POST /batch/upsert) before hooks and the database see it", async () => {
    const seen: unknown[] = [];
    const app = blogApp(use(), {
      authors: {
        fields: { writable: ["name"] },
        hooks: {
          onBeforeCreate: (_ctx, data) => void seen.push({ ...data }),
          onBeforeUpdate: (_ctx, _id, data) => void seen.push({ ...data }),
        },
      },
    });
    const created = await send(app, "POST", "/api/authors", { body: { name: "A", team: "blue", email: "a@x.io" } });
    expect(created.body).toMatchObject({ name: "A", team: "red", email: null });
    await send(app, "PATCH", "/api/authors/1", { body: { name: "A2", team: "blue" } });
    await send(app, "PUT", "/api/authors/1", { body: { name: "A3", team: "blue" } });
    const batch = await send(app, "POST", "/api/authors/batch", { body: [{ name: "B", team: "blue" }] });
    const patched = await send(app, "PATCH", "/api/authors/batch", { body: [{ id: 2, name: "B2", team: "blue" }] });
    const upsert = await send(app, "POST", "/api/authors/batch/upsert", {
      body: [
        { id: 2, name: "B3", team: "blue" },
        { id: 9, name: "C", team: "blue" },
      ],
    });
    expect(batch.body.items[0].team).toBe("red");
    expect(patched.body.items[0].team).toBe("red");
    expect(upsert.body.items.map((a: any) => a.team)).toEqual(["red", "red"]);
    expect(seen.every((data) => !Object.hasOwn(data as object, "team"))).toBe(true);
    expect(seen).toHaveLength(7);
    expect((await send(app, "GET", "/api/authors/1")).body.team).toBe("red");
  });

  it("Exemptions: the primary key and generatedFields are never stripped; non-column keys (relation payloads) pass through", async () => {
    const app = blogApp(use(), {
      authors: { fields: { writable: ["name"] }, generatedFields: { team: () => "green" } },
      posts: { fields: { writable: ["title"] } },
    });
    const upsert = await send(app, "POST", "/api/authors/batch/upsert", { body: [{ id: 5, name: "Pk" }] });
    expect(upsert.body.items[0]).toMatchObject({ id: 5, name: "Pk", team: "green" });
    const nested = await send(app, "POST", "/api/posts", {
      body: { title: "T", author: { name: "N" }, comments: [{ body: "c" }] },
    });
    expect(nested.status).toBe(201);
    expect(nested.body).toMatchObject({ title: "T", author: { name: "N", team: "green" }, comments: [{ body: "c" }] });
    expect(nested.body.authorId).toBe(nested.body.author.id);
  });

  it("Hook precedence: stripping happens before lifecycle hooks, so a server-side hook can still set protected fields", async () => {
    const app = blogApp(use(), {
      authors: {
        fields: { writable: ["name"] },
        hooks: {
          onBeforeCreate: (_ctx, data) => ({ ...data, team: "hooked" }),
          onBeforeUpdate: (_ctx, _id, data) => ({ ...data, email: "set@by.hook" }),
        },
      },
    });
    await send(app, "POST", "/api/authors", { body: { name: "A", team: "client" } });
    const updated = await send(app, "PATCH", "/api/authors/1", { body: { email: "client@x.io" } });
    expect(updated.body).toMatchObject({ team: "hooked", email: "set@by.hook" });
  });

  it("strictInput: with strictInput: true, unknown fields are rejected with 422 instead of being silently ignored", async () => {
    const app = blogApp(use(), { authors: { strictInput: true } });
    const single = await send(app, "POST", "/api/authors", { body: { name: "A", nickname: "x" } });
    expect(single.status).toBe(422);
    expect(single.body.code).toBe("UNKNOWN_FIELD");
    const batch = await send(app, "POST", "/api/authors/batch", {
      body: [{ name: "A" }, { name: "B", nickname: "x" }],
    });
    expect(batch.status).toBe(422);
    expect(batch.body.index).toBe(1);
    expect((await send(app, "GET", "/api/authors/count")).body.count).toBe(0);
  });
});

eachBlogDialect("field-level read masking", (use) => {
  const masked = () =>
    blogApp(use(), {
      authors: {
        fields: { readable: ["id", "name"] },
        computed: { initial: (row) => row.name.slice(0, 1) },
        search: { index: createMemorySearch(), fields: ["name"] },
      },
    });
  const hidden = (row: Record<string, unknown>) => ["email", "team"].filter((key) => key in row);

  it("Allowlist semantics: When fields.readable is configured on a resource, only the listed table columns may appear in any response", async () => {
    const app = masked();
    const created = await send(app, "POST", "/api/authors", { body: { name: "Ann", email: "a@x.io", team: "blue" } });
    expect(created.body).toEqual({ id: 1, name: "Ann", initial: "A" });
  });

  it("Universal application: Masking applies to list, get, create, update, batch, and search responses, plus every subscription event (existing, added, changed) and the initial subscription snapshot", async () => {
    const app = masked();
    await send(app, "POST", "/api/authors", { body: { name: "Ann", email: "a@x.io" } });
    const stream = await app.request("/api/authors/subscribe");
    const events = new SseReader(stream.body!);
    const snapshot = (await events.until("snapshot")).at(-1)!;
    const responses = [
      ...(await send(app, "GET", "/api/authors")).body.items,
      (await send(app, "GET", "/api/authors/1")).body,
      (await send(app, "PATCH", "/api/authors/1", { body: { team: "blue" } })).body,
      (await send(app, "PUT", "/api/authors/1", { body: { name: "Ann", team: "blue" } })).body,
      ...(await send(app, "POST", "/api/authors/batch", { body: [{ name: "Bo", email: "b@x.io" }] })).body.items,
      ...(await send(app, "PATCH", "/api/authors/batch", { body: [{ id: 2, team: "x" }] })).body.items,
      ...(await send(app, "POST", "/api/authors/batch/upsert", { body: [{ id: 2, name: "Bo" }] })).body.items,
      ...(await send(app, "GET", "/api/authors/search?q=ann")).body.items,
      ...snapshot.data.items,
    ];
    const added = (await events.until("added")).at(-1)!;
    const changed = (await events.until("changed")).at(-1)!;
    responses.push(added.data.row, changed.data.row);
    await events.cancel();
    expect(responses).toHaveLength(11);
    for (const row of responses) expect(hidden(row)).toEqual([]);
  });

  it("No client bypass: A hidden column cannot be recovered via ?select= or by subscribing — masking is enforced server-side after projection", async () => {
    const app = masked();
    await send(app, "POST", "/api/authors", { body: { name: "Ann", email: "a@x.io" } });
    for (const path of [
      "/api/authors?select=email",
      "/api/authors/1?select=id,email",
      "/api/authors/subscribe?select=email",
      "/api/authors?filter=email==a@x.io",
      "/api/authors?orderBy=email",
    ]) {
      const res = await send(app, "GET", path);
      expect(res.status, path).toBe(400);
    }
  });

  it("Column-only: Only table columns are stripped; relation keys, computed values, and internal markers pass through", async () => {
    const b = use();
    const app = blogApp(b, {
      authors: {
        fields: { readable: ["id", "name"] },
        computed: { initial: (row) => row.name.slice(0, 1) },
        relations: {
          posts: {
            type: "hasMany",
            resource: "posts",
            schema: b.posts,
            foreignKey: b.posts.authorId,
            references: b.authors.id,
          },
        },
      },
    });
    await send(app, "POST", "/api/posts", { body: { title: "T", author: { name: "Ann", email: "a@x.io" } } });
    const res = await send(app, "GET", "/api/authors/1?include=posts");
    expect(res.body).toEqual({
      id: 1,
      name: "Ann",
      initial: "A",
      posts: [{ id: 1, title: "T", authorId: 1, deletedAt: null }],
    });
  });
});
