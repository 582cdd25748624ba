/**
 * The KV behaviour suite every adapter runs (memory now, Redis and Durable Objects later). Keys are
 * prefixed per test so a shared server never leaks state between tests or runs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KV } from "../../src/kernel/kv";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds; pub/sub over a network arrives some time after publish resolves. */
async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await sleep(5);
  }
}

/** How the suite adapts to a backend. */
export interface KVSuiteOptions {
  /**
   * Multiplies the TTLs and sleeps of the expiry tests, for a backend one hop away whose round
   * trip can approach their 30 ms TTLs on a loaded machine (default 1).
   */
  ttlScale?: number;
}

/** Registers the shared KV behaviour tests for one adapter. */
export function runKVSuite(name: string, makeKV: () => Promise<KV>, options: KVSuiteOptions = {}): void {
  const t = (ms: number) => ms * (options.ttlScale ?? 1);
  describe(`KV behaviour: ${name}`, () => {
    let kv: KV;
    let p: string;
    let closed = false;

    beforeEach(async () => {
      kv = await makeKV();
      closed = false;
      p = `kvsuite:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
    });

    afterEach(async () => {
      if (closed) return;
      for (const key of await kv.keys(p)) await kv.delete(key);
      await kv.close();
    });

    describe("strings", () => {
      it("gets null for a missing key and reads back what was set", async () => {
        expect(await kv.get(`${p}a`)).toBeNull();
        expect(await kv.set(`${p}a`, "1")).toBe(true);
        expect(await kv.get(`${p}a`)).toBe("1");
        expect(await kv.set(`${p}a`, "two")).toBe(true);
        expect(await kv.get(`${p}a`)).toBe("two");
      });

      it("stores the empty string and unicode exactly", async () => {
        await kv.set(`${p}empty`, "");
        await kv.set(`${p}uni`, "héllo ✓ 𝄞");
        expect(await kv.get(`${p}empty`)).toBe("");
        expect(await kv.has(`${p}empty`)).toBe(true);
        expect(await kv.get(`${p}uni`)).toBe("héllo ✓ 𝄞");
      });

      it("deletes and reports whether the key existed", async () => {
        await kv.set(`${p}a`, "1");
        expect(await kv.has(`${p}a`)).toBe(true);
        expect(await kv.delete(`${p}a`)).toBe(true);
        expect(await kv.delete(`${p}a`)).toBe(false);
        expect(await kv.has(`${p}a`)).toBe(false);
      });

      it("ifNotExists writes only when the key is absent", async () => {
        expect(await kv.set(`${p}lock`, "first", { ifNotExists: true })).toBe(true);
        expect(await kv.set(`${p}lock`, "second", { ifNotExists: true })).toBe(false);
        expect(await kv.get(`${p}lock`)).toBe("first");
      });

      it("ifNotExists lets exactly one of many concurrent writers win", async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => kv.set(`${p}race`, String(i), { ifNotExists: true })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await kv.get(`${p}race`)).toBe(String(results.indexOf(true)));
      });

      it("lists keys by prefix", async () => {
        await kv.set(`${p}user:1`, "a");
        await kv.set(`${p}user:2`, "b");
        await kv.zadd(`${p}user:z`, "m", 1);
        await kv.set(`${p}other`, "c");
        expect((await kv.keys(`${p}user:`)).sort()).toEqual([`${p}user:1`, `${p}user:2`, `${p}user:z`]);
        expect(await kv.keys(`${p}nothing:`)).toEqual([]);
      });

      it("rejects an operation of the wrong type on a key", async () => {
        await kv.zadd(`${p}z`, "m", 1);
        await expect(kv.get(`${p}z`)).rejects.toThrow();
        await kv.set(`${p}s`, "x");
        await expect(kv.zadd(`${p}s`, "m", 1)).rejects.toThrow();
      });
    });

    describe("TTL", () => {
      it("expires a key after its TTL", async () => {
        await kv.set(`${p}t`, "v", { ttlMs: t(30) });
        expect(await kv.get(`${p}t`)).toBe("v");
        await sleep(t(80));
        expect(await kv.get(`${p}t`)).toBeNull();
        expect(await kv.has(`${p}t`)).toBe(false);
        expect(await kv.ttl(`${p}t`)).toBe(-1);
        expect(await kv.keys(p)).toEqual([]);
      });

      it("reports remaining TTL, null without one, -1 when missing", async () => {
        await kv.set(`${p}t`, "v", { ttlMs: 10_000 });
        await kv.set(`${p}forever`, "v");
        const remaining = await kv.ttl(`${p}t`);
        expect(remaining).toBeGreaterThan(9_000);
        expect(remaining).toBeLessThanOrEqual(10_000);
        expect(await kv.ttl(`${p}forever`)).toBeNull();
        expect(await kv.ttl(`${p}missing`)).toBe(-1);
      });

      it("a plain set replaces the previous TTL", async () => {
        await kv.set(`${p}t`, "v", { ttlMs: t(30) });
        await kv.set(`${p}t`, "w");
        await sleep(t(80));
        expect(await kv.get(`${p}t`)).toBe("w");
        expect(await kv.ttl(`${p}t`)).toBeNull();
      });

      it("ifNotExists succeeds again once the old key expired", async () => {
        // Margins wide enough for a loaded 2-core machine: the second set must land inside the TTL.
        expect(await kv.set(`${p}lock`, "a", { ifNotExists: true, ttlMs: t(250) })).toBe(true);
        expect(await kv.set(`${p}lock`, "b", { ifNotExists: true })).toBe(false);
        await sleep(t(300));
        expect(await kv.set(`${p}lock`, "c", { ifNotExists: true })).toBe(true);
        expect(await kv.get(`${p}lock`)).toBe("c");
      });

      it("expire sets, clears and zero-expires a TTL; false for a missing key", async () => {
        expect(await kv.expire(`${p}missing`, 1000)).toBe(false);
        await kv.set(`${p}a`, "v");
        expect(await kv.expire(`${p}a`, t(30))).toBe(true);
        expect(await kv.ttl(`${p}a`)).toBeGreaterThan(0);
        expect(await kv.expire(`${p}a`, null)).toBe(true);
        expect(await kv.ttl(`${p}a`)).toBeNull();
        await sleep(t(60));
        expect(await kv.get(`${p}a`)).toBe("v");
        await kv.expire(`${p}a`, t(30));
        await sleep(t(80));
        expect(await kv.has(`${p}a`)).toBe(false);
        await kv.set(`${p}b`, "v");
        expect(await kv.expire(`${p}b`, 0)).toBe(true);
        expect(await kv.has(`${p}b`)).toBe(false);
      });

      it("expires sorted sets too", async () => {
        await kv.zadd(`${p}z`, "m", 1);
        await kv.expire(`${p}z`, t(30));
        await sleep(t(80));
        expect(await kv.zcard(`${p}z`)).toBe(0);
        expect(await kv.zrange(`${p}z`)).toEqual([]);
      });
    });

    describe("incr", () => {
      it("creates at 0 and adds by, including negative steps", async () => {
        expect(await kv.incr(`${p}n`)).toBe(1);
        expect(await kv.incr(`${p}n`, 5)).toBe(6);
        expect(await kv.incr(`${p}n`, -10)).toBe(-4);
        expect(await kv.get(`${p}n`)).toBe("-4");
      });

      it("continues from an integer written with set", async () => {
        await kv.set(`${p}n`, "41");
        expect(await kv.incr(`${p}n`)).toBe(42);
      });

      it("is atomic under 1,000 concurrent calls", async () => {
        const results = await Promise.all(Array.from({ length: 1000 }, () => kv.incr(`${p}n`)));
        expect(await kv.get(`${p}n`)).toBe("1000");
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      });

      it("rejects with a clear error on a non-integer value", async () => {
        await kv.set(`${p}s`, "abc");
        await expect(kv.incr(`${p}s`)).rejects.toThrow(/integer/i);
        await kv.set(`${p}f`, "1.5");
        await expect(kv.incr(`${p}f`)).rejects.toThrow(/integer/i);
        expect(await kv.get(`${p}s`)).toBe("abc");
      });

      it("applies ttlMs when the counter starts and never extends it", async () => {
        // Margins wide enough for a loaded 2-core machine: the second increment must land inside the window.
        expect(await kv.incr(`${p}w`, 1, { ttlMs: t(300) })).toBe(1);
        await sleep(t(50));
        expect(await kv.incr(`${p}w`, 1, { ttlMs: t(300) })).toBe(2);
        await sleep(t(300));
        // The window began at the first increment, so it has closed by now.
        expect(await kv.get(`${p}w`)).toBeNull();
        expect(await kv.incr(`${p}w`, 1, { ttlMs: t(300) })).toBe(1);
      });
    });

    describe("incrBounded", () => {
      it("adds within the bounds and refuses, changing nothing, beyond them", async () => {
        expect(await kv.incrBounded(`${p}b`, 5, { min: 0 })).toBe(5);
        expect(await kv.incrBounded(`${p}b`, -5, { min: 0 })).toBe(0);
        expect(await kv.incrBounded(`${p}b`, -1, { min: 0 })).toBeNull();
        expect(await kv.get(`${p}b`)).toBe("0");
        expect(await kv.incrBounded(`${p}cap`, 3, { max: 3 })).toBe(3);
        expect(await kv.incrBounded(`${p}cap`, 1, { max: 3 })).toBeNull();
        expect(await kv.incrBounded(`${p}free`, -7, {})).toBe(-7);
      });

      it("refuses to create a missing key outside the bounds", async () => {
        expect(await kv.incrBounded(`${p}none`, -1, { min: 0 })).toBeNull();
        expect(await kv.has(`${p}none`)).toBe(false);
      });

      it("lets exactly the affordable share of 1,000 concurrent decrements through", async () => {
        await kv.set(`${p}bal`, "500");
        const results = await Promise.all(
          Array.from({ length: 1000 }, () => kv.incrBounded(`${p}bal`, -1, { min: 0 })),
        );
        expect(results.filter((r) => r === null)).toHaveLength(500);
        expect(await kv.get(`${p}bal`)).toBe("0");
      });

      it("keeps the key's TTL and rejects a non-integer value or increment", async () => {
        await kv.set(`${p}t`, "10", { ttlMs: 60_000 });
        expect(await kv.incrBounded(`${p}t`, -1, { min: 0 })).toBe(9);
        expect(await kv.ttl(`${p}t`)).toBeGreaterThan(0);
        await kv.set(`${p}s`, "abc");
        await expect(kv.incrBounded(`${p}s`, 1, {})).rejects.toThrow(/integer/i);
        await expect(kv.incrBounded(`${p}t`, 1.5, {})).rejects.toThrow(/integer/i);
      });
    });

    describe("sorted sets", () => {
      const scores = async (options?: Parameters<KV["zrange"]>[1]) =>
        (await kv.zrange(`${p}z`, options)).map((e) => `${e.member}:${e.score}`);

      beforeEach(async () => {
        await kv.zadd(`${p}z`, "c", 3);
        await kv.zadd(`${p}z`, "a", 1);
        await kv.zadd(`${p}z`, "e", 5);
        await kv.zadd(`${p}z`, "b", 2);
        await kv.zadd(`${p}z`, "d", 4);
      });

      it("orders by score and reports score and cardinality", async () => {
        expect(await scores()).toEqual(["a:1", "b:2", "c:3", "d:4", "e:5"]);
        expect(await kv.zscore(`${p}z`, "c")).toBe(3);
        expect(await kv.zscore(`${p}z`, "zz")).toBeNull();
        expect(await kv.zcard(`${p}z`)).toBe(5);
        expect(await kv.zcard(`${p}missing`)).toBe(0);
        expect(await kv.zrange(`${p}missing`)).toEqual([]);
      });

      it("moves a member when re-added with a new score", async () => {
        await kv.zadd(`${p}z`, "a", 10);
        expect(await scores()).toEqual(["b:2", "c:3", "d:4", "e:5", "a:10"]);
        expect(await kv.zcard(`${p}z`)).toBe(5);
      });

      it("orders ties by member", async () => {
        await kv.zadd(`${p}t`, "m2", 7);
        await kv.zadd(`${p}t`, "m3", 7);
        await kv.zadd(`${p}t`, "m1", 7);
        expect((await kv.zrange(`${p}t`)).map((e) => e.member)).toEqual(["m1", "m2", "m3"]);
        expect((await kv.zrange(`${p}t`, { reverse: true })).map((e) => e.member)).toEqual(["m3", "m2", "m1"]);
      });

      it("reads inclusive, exclusive and open-ended bounds", async () => {
        expect(await scores({ min: 2, max: 4 })).toEqual(["b:2", "c:3", "d:4"]);
        expect(await scores({ min: 2, max: 4, minExclusive: true })).toEqual(["c:3", "d:4"]);
        expect(await scores({ min: 4 })).toEqual(["d:4", "e:5"]);
        expect(await scores({ max: 1 })).toEqual(["a:1"]);
        expect(await scores({ min: 2.5, max: 2.6 })).toEqual([]);
        expect(await scores({ min: 9 })).toEqual([]);
      });

      it("limits from the low end, or from the high end when reversed", async () => {
        expect(await scores({ limit: 2 })).toEqual(["a:1", "b:2"]);
        expect(await scores({ min: 1, minExclusive: true, limit: 2 })).toEqual(["b:2", "c:3"]);
        expect(await scores({ reverse: true })).toEqual(["e:5", "d:4", "c:3", "b:2", "a:1"]);
        expect(await scores({ reverse: true, limit: 2 })).toEqual(["e:5", "d:4"]);
        expect(await scores({ reverse: true, max: 3, limit: 2 })).toEqual(["c:3", "b:2"]);
        expect(await scores({ reverse: true, min: 2, minExclusive: true, max: 4 })).toEqual(["d:4", "c:3"]);
        expect(await scores({ limit: 0 })).toEqual([]);
      });

      it("handles negative and fractional scores", async () => {
        await kv.zadd(`${p}z`, "neg", -2.5);
        await kv.zadd(`${p}z`, "half", 0.5);
        expect(await scores({ max: 1 })).toEqual(["neg:-2.5", "half:0.5", "a:1"]);
      });

      it("removes members and score ranges", async () => {
        expect(await kv.zrem(`${p}z`, "c")).toBe(true);
        expect(await kv.zrem(`${p}z`, "c")).toBe(false);
        expect(await kv.zremRangeByScore(`${p}z`, 1, 2)).toBe(2);
        expect(await scores()).toEqual(["d:4", "e:5"]);
        expect(await kv.zremRangeByScore(`${p}z`, 10, 20)).toBe(0);
        expect(await kv.zremRangeByScore(`${p}missing`, 0, 1)).toBe(0);
      });

      it("a set emptied of members stops existing", async () => {
        expect(await kv.zremRangeByScore(`${p}z`, -Infinity, Infinity)).toBe(5);
        expect(await kv.has(`${p}z`)).toBe(false);
        await kv.zadd(`${p}one`, "m", 1);
        await kv.zrem(`${p}one`, "m");
        expect(await kv.has(`${p}one`)).toBe(false);
      });
    });

    describe("pub/sub", () => {
      it("delivers to every handler, asynchronously and in publish order", async () => {
        const first: string[] = [];
        const second: string[] = [];
        await kv.subscribe(`${p}ch`, (message) => first.push(message));
        await kv.subscribe(`${p}ch`, (message, channel) => second.push(`${channel}|${message}`));
        const published = Array.from({ length: 50 }, (_, i) => kv.publish(`${p}ch`, `m${i}`));
        expect(first).toEqual([]); // nothing arrives synchronously inside publish
        await Promise.all(published);
        await waitFor(() => first.length === 50 && second.length === 50);
        expect(first).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
        expect(second[0]).toBe(`${p}ch|m0`);
      });

      it("keeps channels apart", async () => {
        const got: string[] = [];
        await kv.subscribe(`${p}a`, (message) => got.push(`a:${message}`));
        await kv.subscribe(`${p}b`, (message) => got.push(`b:${message}`));
        await kv.publish(`${p}a`, "1");
        await kv.publish(`${p}b`, "2");
        await waitFor(() => got.length === 2);
        expect(got.sort()).toEqual(["a:1", "b:2"]);
      });

      it("a throwing handler never stops delivery to the others", async () => {
        const errors = vi.spyOn(console, "error").mockImplementation(() => {});
        try {
          const got: string[] = [];
          await kv.subscribe(`${p}ch`, () => {
            throw new Error("handler boom");
          });
          await kv.subscribe(`${p}ch`, (message) => got.push(message));
          await kv.publish(`${p}ch`, "1");
          await kv.publish(`${p}ch`, "2");
          await waitFor(() => got.length === 2);
          expect(got).toEqual(["1", "2"]);
        } finally {
          errors.mockRestore();
        }
      });

      it("stops delivery after unsubscribe; other subscribers keep receiving", async () => {
        const gone: string[] = [];
        const kept: string[] = [];
        const unsubscribe = await kv.subscribe(`${p}ch`, (message) => gone.push(message));
        await kv.subscribe(`${p}ch`, (message) => kept.push(message));
        await kv.publish(`${p}ch`, "before");
        await waitFor(() => gone.length === 1 && kept.length === 1);
        await unsubscribe();
        await unsubscribe(); // idempotent
        await kv.publish(`${p}ch`, "after");
        await waitFor(() => kept.length === 2);
        expect(gone).toEqual(["before"]);
        expect(kept).toEqual(["before", "after"]);
      });

      it("a handler that publishes is not re-entered by its own message", async () => {
        const got: string[] = [];
        let depth = 0;
        let maxDepth = 0;
        await kv.subscribe(`${p}ch`, (message) => {
          depth += 1;
          maxDepth = Math.max(maxDepth, depth);
          got.push(message);
          if (message === "ping") void kv.publish(`${p}ch`, "pong");
          depth -= 1;
        });
        await kv.publish(`${p}ch`, "ping");
        await waitFor(() => got.length === 2);
        expect(got).toEqual(["ping", "pong"]);
        expect(maxDepth).toBe(1);
      });

      it("publishing to a channel without subscribers is fine", async () => {
        await expect(kv.publish(`${p}nobody`, "x")).resolves.toBeUndefined();
      });
    });

    describe("close", () => {
      it("rejects calls after close and can be called twice", async () => {
        const got: string[] = [];
        await kv.set(`${p}a`, "1");
        await kv.delete(`${p}a`);
        await kv.subscribe(`${p}ch`, (message) => got.push(message));
        await kv.close();
        closed = true;
        await expect(kv.close()).resolves.toBeUndefined();
        await expect(kv.get(`${p}a`)).rejects.toThrow();
        await expect(kv.publish(`${p}ch`, "x")).rejects.toThrow();
        expect(got).toEqual([]);
      });
    });
  });
}
