/**
 * Picks the queue implementation for a KV: Lua scripts when it is the Redis KV, portable moves over
 * the KV interface otherwise. Both keep the same layout, so they can share one Redis.
 */
import type { KV } from "../kernel/kv";
import { createKVTaskQueue } from "./kv-queue";
import { DEFAULT_KEY_PREFIX, type TaskQueue } from "./queue";
import { createRedisTaskQueue, redisScriptRunnerOf } from "./redis-queue";

/** Binds the queue layout to a KV and a key prefix. */
export function createTaskQueue(kv: KV, prefix: string = DEFAULT_KEY_PREFIX): TaskQueue {
  const portable = createKVTaskQueue(kv, prefix);
  const runScript = redisScriptRunnerOf(kv);
  return runScript === undefined ? portable : createRedisTaskQueue(portable, runScript);
}
