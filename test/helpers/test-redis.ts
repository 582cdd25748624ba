/**
 * The real Redis at REDIS_URL for one test file: a KV under a prefix unique to the run, or the
 * reason it cannot be reached (printed, so a skipped suite says why), and a cleanup that deletes
 * everything the run wrote.
 */
import type { KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

let redisProbe: Promise<string | null> | undefined;

/** Why Redis cannot be used ("Redis at … is unreachable (…)"), or null when it answers; probed once per file. */
export function redisSkipReason(): Promise<string | null> {
  redisProbe ??= (async () => {
    try {
      const kv = await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000, keyPrefix: "covara-test:probe:" });
      await kv.close();
      return null;
    } catch (error) {
      return `Redis at ${REDIS_URL} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    }
  })();
  return redisProbe;
}

/** A Redis KV for the suite `label`, or why there is none (already printed). */
export async function openTestRedis(label: string): Promise<KV | string> {
  const keyPrefix = `covara-test-${label}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`;
  try {
    return await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000, keyPrefix });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(`[${label}] Redis suite skipped: Redis at ${REDIS_URL} is unreachable (${reason})`);
    return reason;
  }
}

/** Deletes every key the suite wrote and closes the connection (a no-op without Redis). */
export async function closeTestRedis(redis: KV | string): Promise<void> {
  if (typeof redis === "string") return;
  for (const key of await redis.keys("")) await redis.delete(key);
  await redis.close();
}
