/**
 * The client core against a real covara server on loopback: every resource endpoint, the ETag
 * round trip, cursor iteration, typed problem errors, timeouts and aborts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CovaraClientError, createClient, getOrCreateClient, where } from "../../src/client";
import { startClientTestServer, type ClientTestServer } from "./fixtures/server";

interface User {
  id: number;
  name: string;
  email: string;
  age: number | null;
  role: string;
  active: boolean;
  score: number | null;
  ownerId: number | null;
  version: number;
}

let server: ClientTestServer;
beforeAll(async () => {
  server = await startClientTestServer();
});
afterAll(async () => {
  await server?.close();
});

const people = [
  { name: "Ada", email: "ada@x.io", age: 36, role: "admin" },
  { name: "Bob", email: "bob@x.io", age: 25, role: "user" },
  { name: "Cy", email: "cy@x.io", age: null, role: "user" },
  { name: "Dee", email: "dee@x.io", age: 41, role: "mod" },
  { name: 'Ev "quoted"; (x)', email: "ev@x.io", age: 30, role: "admin" },
];

describe("resource client", () => {
  it("creates, lists with filter/select/orderBy, gets, counts, and pages with for await", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const created = [];
    for (const p of people) created.push(await users.create(p));
    expect(created[0]).toMatchObject({ id: expect.any(Number), name: "Ada", version: 1 });

    const w = where<User>();
    const admins = await users.list({
      filter: w.eq("role", "admin"),
      orderBy: "name:asc",
      select: ["id", "name"] as const,
    });
    expect(admins.items.map((u) => u.name)).toEqual(["Ada", 'Ev "quoted"; (x)']);
    expect(Object.keys(admins.items[0]!)).toEqual(["id", "name"]);

    // A value with quotes, semicolons and parentheses cannot change the filter's shape.
    const tricky = await users.list({ filter: w.eq("name", 'Ev "quoted"; (x)') });
    expect(tricky.items).toHaveLength(1);

    expect(await users.count({ filter: w.or(w.isnull("age"), w.gt("age", 40)) })).toBe(2);
    expect((await users.get(created[1]!.id)).name).toBe("Bob");

    const pages = [];
    for await (const page of users.pages({ limit: 2, orderBy: "name" })) pages.push(page.items.map((u) => u.name));
    expect(pages.flat()).toHaveLength(5);
    expect(pages).toHaveLength(3);
    const names = [];
    for await (const row of users.rows({ limit: 2, filter: w.ne("role", "admin") })) names.push(row.name);
    expect(names.sort()).toEqual(["Bob", "Cy", "Dee"]);

    const total = await users.list({ limit: 1, totalCount: true });
    expect(total.totalCount).toBe(5);
  });

  it("round-trips ETags: update with ifMatch succeeds once, then a stale ETag is a typed 412", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const row = await users.create({ name: "Etag", email: "etag@x.io" });
    expect(users.etagOf(row.id)).toBe('"v1"');
    const stale = users.etagOf(row.id)!;
    const updated = await users.update(row.id, { name: "Etag2" }, { ifMatch: true });
    expect(updated.version).toBe(2);
    expect(users.etagOf(row.id)).toBe('"v2"');
    const error = await users.update(row.id, { name: "Etag3" }, { ifMatch: stale }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CovaraClientError);
    expect(error).toMatchObject({ status: 412, code: "PRECONDITION_FAILED" });
    const replaced = await users.replace(row.id, { name: "Replaced", email: "etag@x.io" }, { ifMatch: true });
    expect(replaced).toMatchObject({ name: "Replaced", age: null, version: 3 });
    await users.delete(row.id, { ifMatch: true });
    await expect(users.get(row.id)).rejects.toMatchObject({
      status: 404,
      code: "NOT_FOUND",
      problem: { resource: "users" },
    });
  });

  it("aggregates with having, batches, upserts and calls procedures", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const groups = await users.aggregate({ groupBy: "role", avg: "age", having: "count>=2", orderBy: "role" });
    expect(groups).toEqual([
      { role: "admin", count: 2, avg_age: 33 },
      { role: "user", count: 2, avg_age: 25 },
    ]);
    const batch = await users.batchCreate([
      { name: "B1", email: "b1@x.io" },
      { name: "B2", email: "b2@x.io" },
    ]);
    expect(batch).toHaveLength(2);
    const changed = await users.batchUpdate(batch.map((u) => ({ id: u.id, role: "batch" })));
    expect(changed.every((u) => u.role === "batch")).toBe(true);
    const upserted = await users.upsert([{ id: batch[0]!.id, name: "B1x", email: "b1@x.io" }]);
    expect(upserted[0]).toMatchObject({ name: "B1x" });
    expect(await users.batchDelete(batch.map((u) => u.id))).toBe(2);
    const failed = await users
      .batchCreate([
        { name: "ok", email: "ok@x.io" },
        { name: "dup", email: "ada@x.io" },
      ])
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 409, code: "CONFLICT" });

    const greeting = await users.rpc("greet", { name: "Ada" });
    expect(greeting).toEqual({ message: "Hello, Ada" });
    const invalid = await users.rpc("greet", { name: "" }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, code: "VALIDATION_ERROR" });
    expect((invalid as CovaraClientError).member<unknown[]>("errors")?.length).toBeGreaterThan(0);
  });

  it("turns every problem+json answer into CovaraClientError with its extension members", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const parse = await users.list({ filter: "name==" }).catch((e: unknown) => e);
    expect(parse).toMatchObject({ status: 400, code: "FILTER_PARSE_ERROR", detail: expect.any(String) });
    expect((parse as CovaraClientError).member("position")).toEqual(expect.any(Number));
    const validation = await users.create({ name: 42 } as never).catch((e: unknown) => e);
    expect(validation).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    const notes = await client
      .resource("/api/notes")
      .list()
      .catch((e: unknown) => e);
    expect(notes).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
  });

  it("aborts a request with its AbortSignal and times out with timeoutMs, as typed errors", async () => {
    const client = createClient({ baseUrl: server.url });
    const controller = new AbortController();
    controller.abort();
    await expect(client.resource("/api/users").list({ signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
      status: 0,
    });
    // A peer that accepts and never answers: the timeout is the only way out.
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const slow = createClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 150 });
      await expect(slow.resource("/api/users").list()).rejects.toMatchObject({ code: "TIMEOUT", status: 0 });
      const down = createClient({ baseUrl: "http://127.0.0.1:1" });
      await expect(down.resource("/api/users").list()).rejects.toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    } finally {
      silent.close();
    }
  });

  it("getOrCreateClient gives the same instance for the same options (HMR-safe)", () => {
    const a = getOrCreateClient({ baseUrl: server.url, timeoutMs: 5000 });
    const b = getOrCreateClient({ baseUrl: server.url, timeoutMs: 5000 });
    const c = getOrCreateClient({ baseUrl: server.url, timeoutMs: 6000 });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a.resource("/api/users")).toBe(b.resource("/api/users"));
  });
});
