/** covara/kv — KV adapters over the kernel's KV interface: memory and Redis (the Durable Object KV is in covara/workers). */
import type { KV } from "../kernel/kv";
import { createMemoryKV, type MemoryKVOptions } from "./memory";
import type { RedisKVOptions } from "./redis";

export type { KV, KVMessageHandler, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";
export { createMemoryKV };
export { getGlobalKV, setGlobalKV } from "../kernel/global-kv";
export type { MemoryKVOptions, RedisKVOptions };

/** Which adapter `createKV` builds, with that adapter's options. */
export type KVConfig = ({ type: "memory" } & MemoryKVOptions) | { type: "redis"; redis?: RedisKVOptions };

/**
 * Creates a Redis-backed KV (needs the optional peer dependency `ioredis`); rejects when Redis
 * cannot be reached.
 */
export async function createRedisKV(options: RedisKVOptions = {}): Promise<KV> {
  // Loaded on demand so that importing covara/kv for the memory KV never loads ioredis.
  let redis: typeof import("./redis");
  try {
    redis = await import("./redis");
  } catch (error) {
    if (String((error as { message?: unknown })?.message).includes("ioredis")) {
      throw new Error('The Redis KV needs the "ioredis" package; install it with `npm install ioredis`', {
        cause: error,
      });
    }
    throw error;
  }
  return redis.createRedisKV(options);
}

/** Builds a KV from a config object, so an app can pick its backend from configuration. */
export async function createKV(options: KVConfig): Promise<KV> {
  switch (options.type) {
    case "memory":
      return createMemoryKV(options);
    case "redis":
      return createRedisKV(options.redis);
    default: {
      const type: unknown = (options as { type?: unknown }).type;
      throw new Error(`Unknown KV type ${JSON.stringify(type)}; supported: "memory", "redis"`);
    }
  }
}
