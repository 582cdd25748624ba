/**
 * The task-queue suite against a real Redis (REDIS_URL, default redis://127.0.0.1:6379); skipped
 * with a printed reason when the server or the adapter is unavailable.
 */
import { describe, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { runTaskQueueSuite } from "./queue-suite";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function loadRedisKV(): Promise<((options: { url: string; keyPrefix?: string }) => Promise<KV>) | string> {
  try {
    const module = (await import("../../src/kv/redis")) as { createRedisKV?: (options: { url: string }) => Promise<KV> };
    if (typeof module.createRedisKV !== "function") return "src/kv/redis.ts does not export createRedisKV";
    const probe = await Promise.race([
      module.createRedisKV({ url }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("connect timeout")), 2000)),
    ]);
    await probe.set("tasktest:probe", "1", { ttlMs: 1000 });
    await probe.close();
    return module.createRedisKV;
  } catch (error) {
    return `Redis at ${url} is unreachable (${(error as Error).message})`;
  }
}

const createRedisKV = await loadRedisKV();
if (typeof createRedisKV === "string") {
  console.warn(`Skipping the Redis task-queue suite: ${createRedisKV}`);
  describe.skip("task queue: redis", () => {
    it("needs Redis", () => {});
  });
} else {
  runTaskQueueSuite("redis", () => createRedisKV({ url }));
}
