/**
 * The subscription behaviour suite over a changelog in the real Redis at REDIS_URL (skipped with
 * the reason when it cannot be reached). Every hub has its own namespace under a per-run prefix.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { cleanRedis, openRedisKV, redisUnavailable } from "./redis-kv";
import { runSubscriptionSuite } from "./subscription-suite";

const reason = await redisUnavailable();

if (reason !== null) {
  console.warn(`Skipping the realtime suite over Redis: ${reason} (set REDIS_URL to a reachable Redis 6.2+)`);
  describe.skip("subscriptions over Redis (no Redis at REDIS_URL)", () => {
    it("needs a Redis server", () => {});
  });
} else {
  let kv: KV | undefined;
  beforeAll(async () => {
    kv = await openRedisKV();
  });
  afterAll(async () => {
    await kv?.close();
    await cleanRedis();
  });
  runSubscriptionSuite("Redis", () => kv);
}
