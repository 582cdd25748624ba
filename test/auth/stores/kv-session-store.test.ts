/**
 * What only the KV session store shows: the per-user sorted-set index (bulk invalidation never
 * scans), TTLs derived from expiry, a private serialization, and — over Redis — several instances
 * sharing sessions.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createKVSessionStore, createRedisSessionStore } from "../../../src/auth/stores/kv-session-store";
import type { SessionData } from "../../../src/auth/types";
import type { KV } from "../../../src/kernel/kv";
import { kvTargets, runs, uniquePrefix } from "./backends";

const HOUR = 60 * 60 * 1000;
const session = (id: string, userId: string, data: SessionData["data"] = null): SessionData => ({
  id,
  userId,
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + HOUR),
  data,
});

/** The KV with every key argument recorded: the real backend underneath, only observed. */
function recording(kv: KV): { kv: KV; touched: string[]; calls: string[] } {
  const touched: string[] = [];
  const calls: string[] = [];
  const proxy = new Proxy(kv, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        if (typeof args[0] === "string") touched.push(args[0]);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv: proxy, touched, calls };
}

for (const target of kvTargets) {
  const available = await runs(target);
  describe.skipIf(!available)(`KV session store specifics [${target.name}]`, () => {
    const opened: { kv: KV; prefix: string }[] = [];
    async function open() {
      const kv = await target.open();
      const prefix = uniquePrefix("kvsess");
      opened.push({ kv, prefix });
      return { kv, prefix };
    }
    afterEach(async () => {
      for (const { kv, prefix } of opened.splice(0)) {
        for (const key of await kv.keys(prefix)) await kv.delete(key);
        await kv.close();
      }
    });

    it("Indexed bulk invalidation: When the session store implements the per-user index (getByUser/deleteByUser …), bulk invalidation touches only that user's sessions; the scan-all getAll() path is a fallback …", async () => {
      const { kv, prefix } = await open();
      const observed = recording(kv);
      const store = createKVSessionStore({ kv: observed.kv, prefix });
      const alice = ["a1", "a2", "a3"].map((id) => session(id, "alice"));
      const bob = ["b1", "b2"].map((id) => session(id, "bob"));
      for (const s of [...alice, ...bob]) await store.create(s);

      observed.touched.length = 0;
      observed.calls.length = 0;
      expect((await store.listByUser("alice")).length).toBe(3);
      expect(await store.deleteByUser("alice")).toBe(3);

      expect(observed.calls).not.toContain("keys");
      for (const key of observed.touched) {
        expect(key.startsWith(prefix)).toBe(true);
        // The random prefix may itself contain "b1" or "b2": only what follows it names a session.
        expect(key.slice(prefix.length)).not.toMatch(/b1|b2|bob/);
      }
      expect((await store.listByUser("bob")).map((s) => s.id).sort()).toEqual(["b1", "b2"]);
    });

    it("KV session store is backend-agnostic: createKVSessionStore works over any KV adapter; its hash field names are a private serialization, never user-facing, and are not remappable", async () => {
      const { kv, prefix } = await open();
      const store = createKVSessionStore({ kv, prefix });
      const s = session("s1", "carol", { ipAddress: "192.0.2.1" });
      await store.create(s);
      // What the app sees: logical keys only.
      const read = (await store.get("s1"))!;
      expect(Object.keys(read).sort()).toEqual(["createdAt", "data", "expiresAt", "id", "userId"]);
      expect(read).toEqual(s);
      // What the backend holds: the private short-field serialization, not the logical names.
      const raw = JSON.parse((await kv.get(`${prefix}s:s1`))!) as Record<string, unknown>;
      expect(Object.keys(raw).sort()).toEqual(["c", "d", "e", "u"]);
      expect(raw).not.toHaveProperty("userId");
      // There is no field map to pass: extra options do not change the serialization.
      const other = createKVSessionStore({ kv, prefix, fieldMap: { userId: "owner" } } as unknown as Parameters<
        typeof createKVSessionStore
      >[0]);
      await other.create(session("s2", "carol"));
      expect(Object.keys(JSON.parse((await kv.get(`${prefix}s:s2`))!) as object).sort()).toEqual(["c", "d", "e", "u"]);
    });

    it("gives each session key and the user index a TTL derived from the expiry", async () => {
      const { kv, prefix } = await open();
      const store = createKVSessionStore({ kv, prefix });
      await store.create(session("t1", "dave"));
      const sessionTtl = await kv.ttl(`${prefix}s:t1`);
      const indexTtl = await kv.ttl(`${prefix}u:dave`);
      expect(sessionTtl).toBeGreaterThan(0);
      expect(sessionTtl!).toBeLessThanOrEqual(HOUR);
      expect(indexTtl).toBeGreaterThan(0);
      expect(indexTtl!).toBeLessThanOrEqual(HOUR);
      // Extending the session extends its key's lifetime too.
      await store.update("t1", { expiresAt: new Date(Date.now() + 3 * HOUR) });
      expect((await kv.ttl(`${prefix}s:t1`))!).toBeGreaterThan(HOUR);
      expect((await kv.ttl(`${prefix}u:dave`))!).toBeGreaterThan(HOUR);
    });

    it("reads a corrupt stored value as no session instead of throwing", async () => {
      const { kv, prefix } = await open();
      const store = createKVSessionStore({ kv, prefix });
      await kv.set(`${prefix}s:bad1`, "{not json");
      await kv.set(`${prefix}s:bad2`, JSON.stringify({ u: 42 }));
      expect(await store.get("bad1")).toBeNull();
      expect(await store.get("bad2")).toBeNull();
      expect(await store.update("bad1", { data: {} })).toBe(false);
    });

    it("drops index entries whose session vanished (expired or evicted) when listing", async () => {
      const { kv, prefix } = await open();
      const store = createKVSessionStore({ kv, prefix });
      await store.create(session("e1", "erin"));
      await store.create(session("e2", "erin"));
      await kv.delete(`${prefix}s:e1`); // as if the backend evicted it
      expect((await store.listByUser("erin")).map((s) => s.id)).toEqual(["e2"]);
      expect((await kv.zrange(`${prefix}u:erin`)).map((e) => e.member)).toEqual(["e2"]);
    });

    it("keeps createRedisSessionStore as a deprecated alias of createKVSessionStore", () => {
      expect(createRedisSessionStore).toBe(createKVSessionStore);
    });

    if (target.name === "redis") {
      it("shares sessions between instances over one Redis: a logout on one is seen by the other", async () => {
        const first = await open();
        const second = await target.open();
        opened.push({ kv: second, prefix: first.prefix });
        const a = createKVSessionStore({ kv: first.kv, prefix: first.prefix });
        const b = createKVSessionStore({ kv: second, prefix: first.prefix });
        await a.create(session("x1", "frank", { ipAddress: "198.51.100.2" }));
        expect((await b.get("x1"))!.data).toEqual({ ipAddress: "198.51.100.2" });
        expect(await b.deleteByUser("frank")).toBe(1);
        expect(await a.get("x1")).toBeNull();
        expect(await a.listByUser("frank")).toEqual([]);
      });
    }
  });
}
