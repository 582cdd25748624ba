/**
 * Idempotency keys on POST/PATCH: replay of the first response for the same key and request, 422
 * for the same key with another request, 409 for a concurrent duplicate, per-user keys, 5xx not
 * stored. On the in-memory KV and on the real Redis (skipped with a printed reason without it).
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTables } from "../../src/db";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { idempotency } from "../../src/middleware";
import { createCovara } from "../../src/server";
import { OPEN, send } from "../helpers/app";
import { sqliteSchema } from "../helpers/schema";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";

const { users } = sqliteSchema();

describe.each([
  ["memory KV", async (): Promise<KV | string> => createMemoryKV()],
  ["Redis", () => openTestRedis("idempotency")],
])("idempotency() on %s", (_name, open) => {
  let kv: KV | string;
  let client: Database.Database;
  beforeAll(async () => {
    kv = await open();
    client = new Database(":memory:");
  });
  afterAll(async () => {
    client.close();
    await closeTestRedis(kv);
  });

  async function app(prefix: string) {
    if (typeof kv === "string") throw new Error("unreachable");
    const db = drizzle(client);
    await pushTables(db, [users]);
    const covara = createCovara({
      authenticate: (c) => {
        const header = c.req.header("x-test-user");
        return header ? JSON.parse(header) : null;
      },
    });
    covara.use("*", idempotency({ kv, prefix }));
    let gate: Promise<void> | undefined;
    let entered: (() => void) | undefined;
    let failures = 1;
    covara.post("/slow", async (c) => {
      entered?.();
      await gate;
      return c.json({ done: true }, 201);
    });
    covara.post("/flaky", (c) => (failures-- > 0 ? c.json({ error: "down" }, 503) : c.json({ ok: true })));
    const mounted = covara.resource("/users", users, { id: users.id, db, auth: OPEN });
    /** Holds /slow until `until` settles; resolves once a request is inside the handler. */
    const hold = (until: Promise<void>) => {
      gate = until;
      return new Promise<void>((resolve) => (entered = resolve));
    };
    return { app: mounted, hold };
  }
  const unique = () => `idem-${Math.random().toString(36).slice(2)}:`;

  it("replays the first response for a retry with the same key and body, without running it again", async (context) => {
    if (typeof kv === "string") return context.skip();
    const { app: covara } = await app(unique());
    const body = { name: "Ada", email: "ada@example.com" };
    const first = await send(covara, "POST", "/api/users", { body, headers: { "idempotency-key": "k-1" } });
    const retry = await send(covara, "POST", "/api/users", { body, headers: { "idempotency-key": "k-1" } });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("content-type")).toBe(first.headers.get("content-type"));
    const listed = await send(covara, "GET", "/api/users?filter=email==ada@example.com");
    expect(listed.body.items).toHaveLength(1);

    // PATCH too; GET ignores the header.
    const patched = await send(covara, "PATCH", `/api/users/${first.body.id}`, {
      body: { name: "Ada L." },
      headers: { "idempotency-key": "k-2" },
    });
    const again = await send(covara, "PATCH", `/api/users/${first.body.id}`, {
      body: { name: "Ada L." },
      headers: { "idempotency-key": "k-2" },
    });
    expect(again.body).toEqual(patched.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await send(covara, "GET", "/api/users", { headers: { "idempotency-key": "k-2" } })).status).toBe(200);
  });

  it("answers 422 problem+json for the same key with a different body", async (context) => {
    if (typeof kv === "string") return context.skip();
    const { app: covara } = await app(unique());
    await send(covara, "POST", "/api/users", {
      body: { name: "Bo", email: "bo@example.com" },
      headers: { "idempotency-key": "same" },
    });
    const reused = await send(covara, "POST", "/api/users", {
      body: { name: "Eve", email: "eve@example.com" },
      headers: { "idempotency-key": "same" },
    });
    expect(reused.status).toBe(422);
    expect(reused.headers.get("content-type")).toContain("application/problem+json");
    expect(reused.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("answers 409 to a concurrent duplicate while the first still runs; exactly one runs", async (context) => {
    if (typeof kv === "string") return context.skip();
    const { app: covara, hold } = await app(unique());
    let release!: () => void;
    const inside = hold(new Promise<void>((resolve) => (release = resolve)));
    const first = send(covara, "POST", "/slow", { body: { n: 1 }, headers: { "idempotency-key": "dup" } });
    // The handler runs only once the middleware holds the key, so the duplicate is sent after that.
    await inside;
    const duplicate = await send(covara, "POST", "/slow", { body: { n: 1 }, headers: { "idempotency-key": "dup" } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe("IDEMPOTENCY_KEY_IN_USE");
    expect(duplicate.headers.get("retry-after")).toBe("1");
    release();
    expect((await first).status).toBe(201);
    const retry = await send(covara, "POST", "/slow", { body: { n: 1 }, headers: { "idempotency-key": "dup" } });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("keeps keys per user, does not store a 5xx, and rejects malformed keys", async (context) => {
    if (typeof kv === "string") return context.skip();
    const { app: covara } = await app(unique());
    const alice = { id: "alice" };
    const bob = { id: "bob" };
    const a = await send(covara, "POST", "/api/users", {
      body: { name: "A", email: "a@example.com" },
      user: alice,
      headers: { "idempotency-key": "shared" },
    });
    const b = await send(covara, "POST", "/api/users", {
      body: { name: "A", email: "a@example.com" },
      user: bob,
      headers: { "idempotency-key": "shared" },
    });
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);

    expect((await send(covara, "POST", "/flaky", { headers: { "idempotency-key": "f" } })).status).toBe(503);
    const retried = await send(covara, "POST", "/flaky", { headers: { "idempotency-key": "f" } });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();

    for (const key of ["x".repeat(256), "with space", "tab\tkey"]) {
      const bad = await send(covara, "POST", "/flaky", { headers: { "idempotency-key": key } });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("INVALID_IDEMPOTENCY_KEY");
    }
  });
});

describe("idempotency({ required: true })", () => {
  it("rejects a POST without a key", async () => {
    const app = createCovara();
    app.use("*", idempotency({ required: true }));
    app.post("/x", (c) => c.json({ ok: true }));
    const res = await send(app, "POST", "/x");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
  });
});
