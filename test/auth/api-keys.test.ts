/**
 * The API key service over every store (memory; KV over the memory KV and Redis; Drizzle over
 * better-sqlite3, PGlite and PostgreSQL): keys are shown once and stored only as a hash,
 * verification is typed, rotation revokes, and bad input is a 4xx problem.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createApiKey,
  createApiKeyService,
  revokeApiKey,
  rotateApiKey,
  verifyApiKey,
  type ApiKeyService,
} from "../../src/auth/api-keys";
import { createDrizzleApiKeyStore } from "../../src/auth/stores/drizzle-api-key-store";
import { createKVApiKeyStore } from "../../src/auth/stores/kv-api-key-store";
import { createMemoryApiKeyStore } from "../../src/auth/stores/memory-api-key-store";
import type { ApiKeyStore } from "../../src/auth/types";
import { migrateInternal } from "../../src/db";
import { errorHandler } from "../../src/kernel/error-handler";
import { ProblemError } from "../../src/kernel/errors";
import { databaseTargets, kvTargets, runs, uniquePrefix } from "./stores/backends";

interface Opened {
  store: ApiKeyStore;
  /** Everything the backend holds, as text. */
  dump(): Promise<string>;
  close(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;

/** A clock the test moves by hand: expiry and throttling without sleeping. */
function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

function runApiKeySuite(name: string, open: () => Promise<Opened>): void {
  describe(`API keys over ${name}`, () => {
    let opened: Opened;
    let clock: ReturnType<typeof manualClock>;
    let keys: ApiKeyService;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });
    const fresh = () => {
      clock = manualClock();
      keys = createApiKeyService({ store: opened.store, now: clock.now });
      return keys;
    };

    it("API keys: createApiKey/verifyApiKey/rotateApiKey/revokeApiKey store only a hash of the key; the raw key ([prefix_]<id>.<secret>) is returned once; verification returns a typed reason (not_found/expired/mismatch) on failure", async () => {
      const { store } = opened;
      const created = await createApiKey(store, { userId: "u-hash", name: "CI deploy" });
      expect(created.key).toMatch(/^cvk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
      expect(created.apiKey).not.toHaveProperty("keyHash");
      const [, id, secret] = /^cvk_([0-9a-f]{16})\.(.+)$/.exec(created.key)!;
      expect(created.apiKey.keyPrefix).toBe(id);

      const held = await opened.dump();
      expect(held).toContain(id);
      expect(held).not.toContain(secret);
      expect(held).not.toContain(created.key);
      const record = (await store.findById(created.apiKey.id))!;
      expect(record.keyHash).not.toContain(secret!);
      expect(record.keyHash.length).toBeGreaterThanOrEqual(43);
      // The raw key is returned once: nothing the service lists or verifies carries it again.
      const listed = await createApiKeyService({ store }).list("u-hash");
      expect(JSON.stringify(listed)).not.toContain(secret);

      expect(await verifyApiKey(store, created.key)).toMatchObject({
        ok: true,
        key: { id: created.apiKey.id, userId: "u-hash" },
      });
      expect(await verifyApiKey(store, `cvk_${"0".repeat(16)}.${secret}`)).toEqual({ ok: false, reason: "not_found" });
      expect(await verifyApiKey(store, `cvk_${id}.${"A".repeat(43)}`)).toEqual({ ok: false, reason: "mismatch" });

      const rotated = await rotateApiKey(store, created.apiKey.id);
      expect(await verifyApiKey(store, rotated.key)).toMatchObject({ ok: true });
      expect(await verifyApiKey(store, created.key)).toEqual({ ok: false, reason: "revoked" });
      expect(await revokeApiKey(store, rotated.apiKey.id)).toBe(true);
      expect(await verifyApiKey(store, rotated.key)).toEqual({ ok: false, reason: "revoked" });

      const expiring = await createApiKey(
        store,
        { userId: "u-hash", name: "short", expiresInMs: 1000 },
        { now: () => new Date(Date.now() - 2000) },
      );
      expect(await verifyApiKey(store, expiring.key)).toEqual({ ok: false, reason: "expired" });
    });

    it("creates a key with scopes and expiry and verifies it with its record", async () => {
      fresh();
      const { key, apiKey } = await keys.create({
        userId: "u1",
        name: "  reporting  ",
        scopes: ["read", "read", "export"],
        expiresInMs: DAY,
      });
      expect(apiKey).toMatchObject({
        userId: "u1",
        name: "reporting",
        scopes: ["read", "export"],
        revokedAt: null,
        lastUsedAt: null,
      });
      expect(apiKey.expiresAt!.getTime()).toBe(clock.now().getTime() + DAY);
      const result = await keys.verify(key);
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.key.scopes).toEqual(["read", "export"]);
        expect(result.key).not.toHaveProperty("keyHash");
      }
    });

    it("refuses a key once it expires", async () => {
      fresh();
      const { key } = await keys.create({ userId: "u2", name: "temp", expiresInMs: 1000 });
      expect((await keys.verify(key)).ok).toBe(true);
      clock.advance(1000);
      expect(await keys.verify(key)).toEqual({ ok: false, reason: "expired" });
    });

    it("reports malformed keys without touching the store", async () => {
      fresh();
      const { key } = await keys.create({ userId: "u3", name: "k" });
      const malformed: unknown[] = [
        "",
        "cvk_",
        key.replace("cvk_", "xyz_"),
        key.replace(".", "_"),
        key.toUpperCase(),
        `${key}x`,
        `${key}\n`,
        ` ${key}`,
        `cvk_${"g".repeat(16)}.${"A".repeat(43)}`,
        `Bearer ${key}`,
        "x".repeat(100_000),
        "' OR 1=1 --",
        null,
        undefined,
        123,
        { key },
      ];
      for (const candidate of malformed)
        expect(await keys.verify(candidate as string)).toEqual({ ok: false, reason: "malformed" });
    });

    it("checks possession before state: a wrong secret for a revoked key reads mismatch, not revoked", async () => {
      fresh();
      const { key, apiKey } = await keys.create({ userId: "u4", name: "k" });
      await keys.revoke(apiKey.id);
      const forged = `${key.slice(0, key.indexOf(".") + 1)}${"B".repeat(43)}`;
      expect(await keys.verify(forged)).toEqual({ ok: false, reason: "mismatch" });
      expect(await keys.verify(key)).toEqual({ ok: false, reason: "revoked" });
    });

    it("stamps lastUsedAt at most once per throttle window", async () => {
      fresh();
      const { key, apiKey } = await keys.create({ userId: "u5", name: "k" });
      const first = clock.now().getTime();
      await keys.verify(key);
      // The stamp is written in the background: verification never waits for it.
      await vi.waitFor(async () => expect((await opened.store.findById(apiKey.id))!.lastUsedAt?.getTime()).toBe(first));
      clock.advance(30_000);
      await keys.verify(key);
      // The stamp is written in the background: verification never waits for it.
      await vi.waitFor(async () => expect((await opened.store.findById(apiKey.id))!.lastUsedAt?.getTime()).toBe(first));
      clock.advance(30_000);
      const result = await keys.verify(key);
      await vi.waitFor(async () =>
        expect((await opened.store.findById(apiKey.id))!.lastUsedAt!.getTime()).toBe(first + 60_000),
      );
      expect(result.ok && result.key.lastUsedAt!.getTime()).toBe(first + 60_000);
    });

    it("rotates: the new key keeps owner, name, scopes and lifetime; the old one is revoked", async () => {
      fresh();
      const old = await keys.create({ userId: "u6", name: "svc", scopes: ["write"], expiresInMs: DAY });
      clock.advance(1000);
      const rotated = await keys.rotate(old.apiKey.id, { userId: "u6" });
      expect(rotated.key).not.toBe(old.key);
      expect(rotated.apiKey).toMatchObject({ userId: "u6", name: "svc", scopes: ["write"] });
      expect(rotated.apiKey.expiresAt!.getTime()).toBe(clock.now().getTime() + DAY);
      expect(await keys.verify(old.key)).toEqual({ ok: false, reason: "revoked" });
      expect((await keys.verify(rotated.key)).ok).toBe(true);
      const listed = await keys.list("u6");
      expect(listed.map((k) => k.id)).toEqual([old.apiKey.id, rotated.apiKey.id]);
      expect(listed[0]!.revokedAt).toBeInstanceOf(Date);
    });

    it("refuses to rotate a missing, foreign or revoked key with a problem", async () => {
      fresh();
      const mine = await keys.create({ userId: "u7", name: "k" });
      await expect(keys.rotate("no-such-id")).rejects.toMatchObject({ status: 404, code: "NOT_FOUND" });
      await expect(keys.rotate(mine.apiKey.id, { userId: "someone-else" })).rejects.toMatchObject({ status: 404 });
      await keys.revoke(mine.apiKey.id);
      await expect(keys.rotate(mine.apiKey.id)).rejects.toMatchObject({ status: 409, code: "CONFLICT" });
      await expect(keys.rotate(mine.apiKey.id.padEnd(300, "x"))).rejects.toBeInstanceOf(ProblemError);
    });

    it("revokes only keys the given user owns, and revoking twice keeps the first time", async () => {
      fresh();
      const { key, apiKey } = await keys.create({ userId: "u8", name: "k" });
      expect(await keys.revoke(apiKey.id, { userId: "intruder" })).toBe(false);
      expect((await keys.verify(key)).ok).toBe(true);
      expect(await keys.revoke(apiKey.id, { userId: "u8" })).toBe(true);
      const revokedAt = (await opened.store.findById(apiKey.id))!.revokedAt!.getTime();
      clock.advance(5000);
      expect(await keys.revoke(apiKey.id)).toBe(true);
      expect((await opened.store.findById(apiKey.id))!.revokedAt!.getTime()).toBe(revokedAt);
      expect(await keys.revoke("missing")).toBe(false);
    });

    it("lists one user's keys, oldest first, without hashes", async () => {
      fresh();
      const a = await keys.create({ userId: "u9", name: "a" });
      clock.advance(10);
      const b = await keys.create({ userId: "u9", name: "b" });
      await keys.create({ userId: "u10", name: "other" });
      const listed = await keys.list("u9");
      expect(listed.map((k) => k.id)).toEqual([a.apiKey.id, b.apiKey.id]);
      for (const k of listed) expect(k).not.toHaveProperty("keyHash");
      expect(await keys.list("nobody")).toEqual([]);
      expect(await keys.list("")).toEqual([]);
    });

    it("rejects bad create input with a 400 validation problem naming every field", async () => {
      fresh();
      const attempts: unknown[] = [
        {},
        { userId: "", name: "" },
        { userId: "u", name: "x".repeat(101) },
        { userId: "u", name: "ok", scopes: "read" },
        { userId: "u", name: "ok", scopes: Array.from({ length: 51 }, (_, i) => `s${i}`) },
        { userId: "u", name: "ok", scopes: [""] },
        { userId: "u", name: "ok", expiresAt: new Date(0) },
        { userId: "u", name: "ok", expiresAt: "tomorrow" },
        { userId: "u", name: "ok", expiresInMs: -5 },
        { userId: "u", name: "ok", expiresInMs: 1000, expiresAt: new Date(Date.now() + DAY) },
        null,
      ];
      for (const input of attempts) {
        const error = await keys.create(input as never).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ProblemError);
        expect((error as ProblemError).status).toBe(400);
        expect((error as ProblemError).code).toBe("VALIDATION_ERROR");
        expect(((error as ProblemError).extensions.errors as unknown[]).length).toBeGreaterThan(0);
      }
      const error = (await keys.create({} as never).catch((e: unknown) => e)) as ProblemError;
      expect((error.extensions.errors as { path: string }[]).map((e) => e.path)).toEqual(["userId", "name"]);
    });
  });
}

runApiKeySuite("the memory store", async () => {
  const store = createMemoryApiKeyStore();
  const ids: string[] = [];
  const tracked: ApiKeyStore = { ...store, insert: async (record) => (ids.push(record.id), store.insert(record)) };
  return {
    store: tracked,
    dump: async () => JSON.stringify(await Promise.all(ids.map((id) => store.findById(id)))),
    close: async () => {},
  };
});

for (const target of kvTargets) {
  if (!(await runs(target))) {
    describe.skip(`API keys over the KV store on ${target.name} (unavailable)`, () => {});
    continue;
  }
  runApiKeySuite(`the KV store on ${target.name}`, async () => {
    const kv = await target.open();
    const prefix = uniquePrefix("apikeys");
    return {
      store: createKVApiKeyStore({ kv, prefix }),
      async dump() {
        const keys = await kv.keys(prefix);
        return [...keys, ...(await Promise.all(keys.map((key) => kv.get(key).catch(() => ""))))].join("\n");
      },
      async close() {
        for (const key of await kv.keys(prefix)) await kv.delete(key);
        await kv.close();
      },
    };
  });
}

for (const target of databaseTargets) {
  if (!(await runs(target))) {
    describe.skip(`API keys over the Drizzle store on ${target.name} (unavailable)`, () => {});
    continue;
  }
  runApiKeySuite(`the Drizzle store on ${target.name}`, async () => {
    const database = await target.open();
    await migrateInternal(database.db);
    return {
      store: createDrizzleApiKeyStore({ db: database.db }),
      dump: async () => JSON.stringify(await database.query(`select * from "auth_api_keys"`)),
      close: () => database.close(),
    };
  });
}

describe("API key service options", () => {
  it("supports a custom prefix or none, and rejects a prefix that would make keys ambiguous", async () => {
    const store = createMemoryApiKeyStore();
    const custom = createApiKeyService({ store, prefix: "acme" });
    const { key } = await custom.create({ userId: "u", name: "k" });
    expect(key).toMatch(/^acme_[0-9a-f]{16}\./);
    expect((await custom.verify(key)).ok).toBe(true);
    expect(await createApiKeyService({ store }).verify(key)).toEqual({ ok: false, reason: "malformed" });
    const bare = createApiKeyService({ store, prefix: "" });
    const plain = await bare.create({ userId: "u", name: "k" });
    expect(plain.key).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect((await bare.verify(plain.key)).ok).toBe(true);
    expect(() => createApiKeyService({ store, prefix: "has_underscore" })).toThrow(TypeError);
    expect(() => createApiKeyService({ store, prefix: "a.b" })).toThrow(TypeError);
  });

  it("never fails verification when stamping lastUsedAt fails; the error goes to onError", async () => {
    const store = createMemoryApiKeyStore();
    const errors: unknown[] = [];
    const broken: ApiKeyStore = { ...store, update: async () => Promise.reject(new Error("disk full")) };
    const service = createApiKeyService({ store: broken, onError: (e) => errors.push(e) });
    const { key } = await createApiKeyService({ store }).create({ userId: "u", name: "k" });
    expect((await service.verify(key)).ok).toBe(true);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
  });

  it("turns a bad create request into a problem+json response through the error handler", async () => {
    const service = createApiKeyService({ store: createMemoryApiKeyStore() });
    const app = new Hono();
    app.onError(errorHandler);
    app.post("/keys", async (c) => c.json(await service.create((await c.req.json()) as never), 201));
    const bad = await app.request("/keys", {
      method: "POST",
      body: JSON.stringify({ userId: "u", name: "", scopes: 7 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const body = (await bad.json()) as { code: string; errors: { path: string }[] };
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.errors.map((e) => e.path)).toEqual(["name", "scopes"]);
    expect(JSON.stringify(body)).not.toMatch(/stack|at Object|node_modules/);
    const good = await app.request("/keys", { method: "POST", body: JSON.stringify({ userId: "u", name: "ok" }) });
    expect(good.status).toBe(201);
  });
});
