/**
 * The real Redis at REDIS_URL for the realtime suites: one probe per file, a per-run key prefix,
 * and cleanup of everything the run wrote.
 */
import type { KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const RUN_PREFIX = `covara-rt-test:${process.pid}-${Date.now().toString(36)}:`;

/** Why Redis cannot be used, or null when it answers. */
export async function redisUnavailable(): Promise<string | null> {
  try {
    const kv = await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000, keyPrefix: RUN_PREFIX });
    await kv.close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A Redis KV under this run's prefix. */
export function openRedisKV(connectionName = "covara-rt-test"): Promise<KV> {
  return createRedisKV({ url: REDIS_URL, keyPrefix: RUN_PREFIX, connectionName });
}

/** Deletes every key this run wrote. */
export async function cleanRedis(): Promise<void> {
  const kv = await createRedisKV({ url: REDIS_URL, keyPrefix: RUN_PREFIX });
  for (const key of await kv.keys("")) await kv.delete(key);
  await kv.close();
}
