/**
 * `cache.consistency: "eventual"` on the real Redis, two instances (two app contexts with their own
 * KV connections, so the only way one hears the other's writes is the KV channel): a hit is served
 * from memory without a KV read; a write in one instance reaches the other's cache when the
 * pub/sub message arrives (bounded staleness); a lost message is bounded by the TTL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDataService } from "../../src/data-service";
import { createContext } from "../../src/kernel/context";
import type { KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";
import { REDIS_URL, redisSkipReason } from "../helpers/test-redis";
import { openSqlite } from "./fixtures";

const skip = await redisSkipReason();
if (skip) console.warn(`[data-service eventual] skipped: ${skip}`);

/** The KV, counting its `get`s: a strict hit reads the key's version, an eventual one must not. */
function countingGets(kv: KV): { kv: KV; gets: () => number } {
  let gets = 0;
  const counted: KV = Object.create(kv);
  counted.get = (key: string) => {
    gets++;
    return kv.get(key);
  };
  return { kv: counted, gets: () => gets };
}

/** Reads until `fresh` holds; resolves with how long it took (ms), rejects past `limitMs`. */
async function untilFresh(read: () => Promise<boolean>, limitMs: number): Promise<number> {
  const start = performance.now();
  while (!(await read())) {
    if (performance.now() - start > limitMs) throw new Error(`still stale after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - start;
}

describe.skipIf(skip !== null)("data service, eventual consistency across two instances", () => {
  const prefix = `covara-test-uow-eventual:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
  const kvs: KV[] = [];
  let opened: ReturnType<typeof openSqlite>;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    opened = openSqlite();
    for (let i = 0; i < 3; i++) kvs.push(await createRedisKV({ url: REDIS_URL, keyPrefix: prefix }));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await opened.reset();
  });
  afterAll(async () => {
    for (const kv of kvs) await kv.close();
    opened.close();
  });

  async function instance(kv: KV, options: { channel?: string; minTtlMs?: number; maxTtlMs?: number } = {}) {
    const service = await createDataService(opened.db, opened.tables, {
      cache: { kv, consistency: "eventual", ...options },
      app: createContext(), // its own feed: another instance's writes arrive over the KV only
    });
    closers.push(() => service.close());
    return service;
  }

  it("serves hits from memory and sees the other instance's write once the message arrives", async () => {
    const writer = await instance(kvs[0]!);
    const counted = countingGets(kvs[1]!);
    const reader = await instance(counted.kv);
    const note = await writer.create("notes", { title: "v0" });
    const delays: number[] = [];
    for (let round = 1; round <= 20; round++) {
      await reader.get("notes", note.id);
      await reader.list("notes");
      const gets = counted.gets();
      const hits = reader.stats().hits;
      expect(await reader.get("notes", note.id)).toMatchObject({ title: `v${round - 1}` });
      expect(reader.stats().hits).toBe(hits + 1);
      expect(counted.gets()).toBe(gets); // an eventual hit reads nothing from the KV

      await writer.update("notes", note.id, { title: `v${round}` });
      delays.push(
        await untilFresh(async () => {
          const [row, list] = await Promise.all([reader.get("notes", note.id), reader.list("notes")]);
          return row?.title === `v${round}` && list[0]?.title === `v${round}`;
        }, 1000),
      );
    }
    delays.sort((a, b) => a - b);
    console.log(
      `[eventual] staleness after a write in the other instance: median ${delays[10]!.toFixed(2)} ms, max ${delays[19]!.toFixed(2)} ms`,
    );
    // The documented bound: stale only until the pub/sub message arrives.
    expect(delays[19]!).toBeLessThan(1000);
  }, 60_000);

  it("bounds the staleness by the TTL when the invalidation never arrives", async () => {
    // Different channels: the reader never hears the writer (as when Redis drops the message).
    const writer = await instance(kvs[0]!, { channel: "covara:uow-eventual:a" });
    const reader = await instance(kvs[2]!, { channel: "covara:uow-eventual:b", minTtlMs: 100, maxTtlMs: 300 });
    const note = await writer.create("notes", { title: "old" });
    const cachedAt = performance.now();
    expect(await reader.get("notes", note.id)).toMatchObject({ title: "old" });
    await writer.update("notes", note.id, { title: "new" });
    expect(await reader.get("notes", note.id)).toMatchObject({ title: "old" }); // stale: eventual
    await untilFresh(async () => (await reader.get("notes", note.id))?.title === "new", 3000);
    const staleFor = performance.now() - cachedAt;
    // Fresh once the entry's TTL (300 ms, a key never seen changing) ran out, not before; the
    // upper slack is for a loaded machine.
    expect(staleFor).toBeGreaterThanOrEqual(290);
    expect(staleFor).toBeLessThan(300 + 700);
  }, 30_000);
});
