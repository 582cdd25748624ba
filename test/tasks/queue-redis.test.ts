/**
 * The task-queue suite against a real Redis (REDIS_URL, default redis://127.0.0.1:6379), twice: with
 * the Lua scripts the queue uses on a Redis KV, and with the portable moves (the script runner
 * hidden), so both implementations are held to the same behaviour on a real server. Then what only
 * Redis shows: separate clients sharing limits, the script runner's key prefixing. Skipped with a
 * printed reason when the server is unavailable.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RUN_REDIS_SCRIPT, type KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";
import { createTaskRegistry, createTaskScheduler, defineTask, startTaskWorkers } from "../../src/tasks";
import { redisScriptRunnerOf } from "../../src/tasks/redis-queue";
import { REDIS_URL, redisSkipReason } from "../helpers/test-redis";
import { runTaskQueueSuite } from "./queue-suite";

const url = REDIS_URL;
const RUN = `tasktest-redis:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;

/** The same KV without its script runner: the queue then falls back to the portable moves. */
function withoutScripts(kv: KV): KV {
  // Own enumerable methods only; the runner is a non-enumerable symbol property and stays behind.
  return { ...kv };
}

const reason = await redisSkipReason();
if (reason !== null) {
  console.warn(`Skipping the Redis task-queue suite: ${reason}`);
  describe.skip("task queue: redis", () => {
    it("needs Redis", () => {});
  });
} else {
  runTaskQueueSuite("redis (Lua scripts)", () => createRedisKV({ url }));
  runTaskQueueSuite("redis (portable moves)", async () => withoutScripts(await createRedisKV({ url })));
  describeRedisSpecifics();
}

function describeRedisSpecifics(): void {
  describe("task queue: Redis specifics", () => {
    const opened: KV[] = [];
    const open = async () => {
      const kv = await createRedisKV({ url });
      opened.push(kv);
      return kv;
    };

    afterAll(async () => {
      const cleaner = await createRedisKV({ url });
      for (const key of await cleaner.keys(RUN)) await cleaner.delete(key);
      await cleaner.close();
      await Promise.all(opened.map((kv) => kv.close().catch(() => {})));
    });

    it("the Redis KV offers a script runner that prefixes keys like its other commands; the memory KV has none", async () => {
      const kv = await createRedisKV({ url, keyPrefix: `${RUN}kv:` });
      opened.push(kv);
      const run = redisScriptRunnerOf(kv);
      expect(typeof run).toBe("function");
      // Not enumerable: a spread copy of the KV (as withoutScripts makes) leaves the runner behind.
      expect(Object.getOwnPropertySymbols({ ...kv })).not.toContain(RUN_REDIS_SCRIPT);
      await run!("return redis.call('SET', KEYS[1], ARGV[1])", ["scripted"], ["yes"]);
      expect(await kv.get("scripted")).toBe("yes");
      // A script Redis has never seen (its text is unique to this run): EVALSHA misses, EVAL loads it.
      const fresh = `-- ${RUN}\nreturn ARGV[1] .. KEYS[1]`;
      const admin = new Redis(url);
      try {
        const sha = createHash("sha1").update(fresh).digest("hex");
        expect(await admin.script("EXISTS", sha)).toEqual([0]);
        expect(await run!(fresh, ["k"], ["key:"])).toBe(`key:${RUN}kv:k`);
        expect(await admin.script("EXISTS", sha)).toEqual([1]);
        expect(await run!(fresh, ["k"], ["again:"])).toBe(`again:${RUN}kv:k`);
      } finally {
        await admin.quit();
      }
      await expect(run!("return redis.error_reply('ERR scripted failure')", ["k"], [])).rejects.toThrow(
        /script "k" failed: ERR scripted failure/,
      );
      const { createMemoryKV } = await import("../../src/kv/memory");
      const memory = createMemoryKV();
      expect(redisScriptRunnerOf(memory)).toBeUndefined();
      await memory.close();
    });

    it("maxConcurrency holds across pools on two separate Redis clients", async () => {
      const prefix = `${RUN}limit:`;
      let running = 0;
      let peak = 0;
      const task = defineTask({
        name: "limited",
        input: z.number(),
        maxConcurrency: 3,
        handler: async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
        },
      });
      const [a, b, producer] = await Promise.all([open(), open(), open()]);
      const pools = await Promise.all(
        [a, b].map((kv) =>
          startTaskWorkers(kv, createTaskRegistry().register(task), 5, {
            keyPrefix: prefix,
            pollIntervalMs: 50,
            concurrencyRetryMs: 10,
          }),
        ),
      );
      const scheduler = createTaskScheduler(producer, createTaskRegistry().register(task), { keyPrefix: prefix });
      const ids: string[] = [];
      for (let n = 0; n < 24; n++) ids.push((await scheduler.enqueue(task, n)).id);
      for (const id of ids) expect((await scheduler.waitFor(id, { timeoutMs: 10_000 })).status).toBe("completed");
      await Promise.all(pools.map((pool) => pool.stop({ drain: true })));
      expect(peak).toBe(3);
      expect(await producer.zcard(`${prefix}running:limited`)).toBe(0);
    });

    it("stores a task as a hash whose JSON the scripts never rewrite, and a finished one expires", async () => {
      const prefix = `${RUN}layout:`;
      const kv = await open();
      const task = defineTask({
        name: "layout",
        input: z.object({ list: z.array(z.number()) }),
        resultTtlMs: 60_000,
        handler: () => [],
      });
      const registry = createTaskRegistry().register(task);
      const scheduler = createTaskScheduler(kv, registry, { keyPrefix: prefix });
      const { id } = await scheduler.enqueue(task, { list: [] }, { priority: 7 });
      const admin = new Redis(url);
      try {
        expect(await admin.type(`${prefix}task:${id}`)).toBe("hash");
        expect(await admin.hmget(`${prefix}task:${id}`, "status", "priority")).toEqual(["pending", "7"]);
        const worker = await startTaskWorkers(kv, registry, 1, { keyPrefix: prefix });
        await scheduler.waitFor(id);
        await worker.stop({ drain: true });
        const stored = await admin.hgetall(`${prefix}task:${id}`);
        expect(stored).not.toHaveProperty("claim");
        expect(JSON.parse(stored.record!)).toMatchObject({ status: "completed", input: { list: [] }, result: [] });
        expect(await admin.pttl(`${prefix}task:${id}`)).toBeGreaterThan(50_000);
      } finally {
        await admin.quit();
      }
    });
  });
}
