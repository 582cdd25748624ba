import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createKV, createMemoryKV } from "../../src/kv";
import { runKVSuite } from "../helpers/kv-suite";

runKVSuite("memory", async () => createMemoryKV());

describe("memory KV specifics", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("holds no timer until a key has a TTL, and drops it once nothing can expire", async () => {
    vi.useFakeTimers();
    const kv = createMemoryKV({ sweepIntervalMs: 100 });
    await kv.set("plain", "v");
    expect(vi.getTimerCount()).toBe(0);
    await kv.set("short", "v", { ttlMs: 50 });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(150);
    // The sweep removed the key without anyone reading it, then stopped itself.
    expect(vi.getTimerCount()).toBe(0);
    expect(await kv.keys("")).toEqual(["plain"]);
    await kv.close();
  });

  it("expires lazily on access even with the sweep disabled", async () => {
    vi.useFakeTimers();
    const kv = createMemoryKV({ sweepIntervalMs: 0 });
    await kv.set("k", "v", { ttlMs: 50 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(49);
    expect(await kv.get("k")).toBe("v");
    vi.advanceTimersByTime(1);
    expect(await kv.get("k")).toBeNull();
    await kv.close();
  });

  it("unrefs the sweep timer so it never keeps the process alive, and close clears it", async () => {
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    const kv = createMemoryKV({ sweepIntervalMs: 10 });
    await kv.set("k", "v", { ttlMs: 10_000 });
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0]!.value as { hasRef(): boolean };
    expect(timer.hasRef()).toBe(false);
    const clearSpy = vi.spyOn(globalThis, "clearInterval");
    await kv.close();
    expect(clearSpy).toHaveBeenCalledWith(timer);
  });

  it("does not deliver a message published before close to handlers once closed", async () => {
    const kv = createMemoryKV();
    const got: string[] = [];
    await kv.subscribe("ch", (message) => got.push(message));
    const pending = kv.publish("ch", "late");
    await kv.close();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got).toEqual([]);
  });

  it("reports a rejecting async handler instead of leaking the rejection", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const kv = createMemoryKV();
    await kv.subscribe("ch", async () => {
      throw new Error("async boom");
    });
    await kv.publish("ch", "x");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]?.[0])).toContain('"ch"');
    await kv.close();
  });

  it("keeps a 100k-entry sorted set fast to append, read and trim", async () => {
    const kv = createMemoryKV();
    for (let seq = 1; seq <= 100_000; seq++) await kv.zadd("log", `entry-${seq}`, seq);
    expect(await kv.zcard("log")).toBe(100_000);
    const page = await kv.zrange("log", { min: 50_000, minExclusive: true, limit: 3 });
    expect(page).toEqual([
      { member: "entry-50001", score: 50_001 },
      { member: "entry-50002", score: 50_002 },
      { member: "entry-50003", score: 50_003 },
    ]);
    expect((await kv.zrange("log", { reverse: true, limit: 1 }))[0]?.score).toBe(100_000);
    expect(await kv.zremRangeByScore("log", -Infinity, 90_000)).toBe(90_000);
    expect((await kv.zrange("log", { limit: 1 }))[0]?.score).toBe(90_001);
    // Re-scoring members in the middle keeps the order consistent.
    await kv.zadd("log", "entry-95000", 0);
    expect((await kv.zrange("log", { limit: 1 }))[0]?.member).toBe("entry-95000");
    expect(await kv.zcard("log")).toBe(10_000);
    await kv.close();
  });

  it("agrees with a naive model of a sorted set under random operations", async () => {
    const member = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h");
    const score = fc.integer({ min: -5, max: 5 });
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), member, score }),
      fc.record({ kind: fc.constant("rem" as const), member }),
      fc.record({ kind: fc.constant("remRange" as const), min: score, max: score }),
    );
    const range = fc.record(
      {
        min: score,
        max: score,
        minExclusive: fc.boolean(),
        limit: fc.integer({ min: 0, max: 10 }),
        reverse: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), range, async (ops, options) => {
        const kv = createMemoryKV();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === "add") {
            await kv.zadd("z", o.member, o.score);
            model.set(o.member, o.score);
          } else if (o.kind === "rem") {
            expect(await kv.zrem("z", o.member)).toBe(model.delete(o.member));
          } else {
            const doomed = [...model].filter(([, s]) => s >= o.min && s <= o.max);
            expect(await kv.zremRangeByScore("z", o.min, o.max)).toBe(doomed.length);
            for (const [m] of doomed) model.delete(m);
          }
        }
        const min = options.min ?? -Infinity;
        const max = options.max ?? Infinity;
        let expected = [...model]
          .map(([m, s]) => ({ member: m, score: s }))
          .filter((e) => (options.minExclusive ? e.score > min : e.score >= min) && e.score <= max)
          .sort((x, y) => x.score - y.score || (x.member < y.member ? -1 : 1));
        if (options.reverse) expected = expected.reverse();
        if (options.limit !== undefined) expected = expected.slice(0, options.limit);
        expect(await kv.zrange("z", options)).toEqual(expected);
        expect(await kv.zcard("z")).toBe(model.size);
        await kv.close();
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a NaN score", async () => {
    const kv = createMemoryKV();
    await expect(kv.zadd("z", "m", Number.NaN)).rejects.toThrow(/NaN/);
    await kv.close();
  });
});

describe("createKV", () => {
  it("builds a memory KV", async () => {
    const kv = await createKV({ type: "memory" });
    await kv.set("a", "1");
    expect(await kv.get("a")).toBe("1");
    await kv.close();
  });

  it("rejects an unknown type with a clear error", async () => {
    await expect(createKV({ type: "mongo" } as never)).rejects.toThrow(/Unknown KV type "mongo"/);
  });
});
