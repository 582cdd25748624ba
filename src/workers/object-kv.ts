/**
 * The kernel KV for code running inside a Durable Object over the object's own SQLite store: the
 * same data a Worker reaches through `createDurableObjectKV`, without the request hop. The task
 * object runs the task queue on it. Each call is one synchronous SQL step, so it is atomic; the
 * promises only fit the KV interface.
 */
import type { KV, KVMessageHandler } from "../kernel/kv";
import { deliverMessage } from "../kv/deliver";
import type { SqlKVStore } from "./kv-sql-store";

/** What the object does beside the store: fan a message out to its sockets, sweep a TTL'd key. */
export interface ObjectKVHooks {
  /** Sends `message` to the object's subscribers of `channel` (its WebSockets, in any isolate). */
  publish(channel: string, message: string): void;
  /** A key was given a TTL of `ttlMs`: the object's alarm must sweep it once it lapses. */
  expiresIn(ttlMs: number): Promise<void>;
}

/** A KV over `store`, publishing through the object's sockets and to in-object subscribers. */
export function createObjectKV(store: SqlKVStore, hooks: ObjectKVHooks): KV {
  const local = new Map<string, Set<KVMessageHandler>>();
  let closed = false;

  function open(): void {
    if (closed) throw new Error("The object KV has been closed");
  }

  async function withTtl<T>(result: T, ttlMs: number | null | undefined): Promise<T> {
    if (ttlMs !== undefined && ttlMs !== null && ttlMs > 0) await hooks.expiresIn(ttlMs);
    return result;
  }

  return {
    async get(key) {
      open();
      return store.get(key);
    },
    async set(key, value, options = {}) {
      open();
      return withTtl(store.set(key, value, options), options.ttlMs);
    },
    async delete(key) {
      open();
      return store.delete(key);
    },
    async has(key) {
      open();
      return store.has(key);
    },
    async incr(key, by = 1, options = {}) {
      open();
      return withTtl(store.incr(key, by, options.ttlMs), options.ttlMs);
    },
    async incrBounded(key, by, bounds) {
      open();
      return store.incrBounded(key, by, bounds);
    },
    async expire(key, ttlMs) {
      open();
      return withTtl(store.expire(key, ttlMs), ttlMs);
    },
    async ttl(key) {
      open();
      return store.ttl(key);
    },
    async keys(prefix) {
      open();
      return store.keys(prefix);
    },
    async zadd(key, member, score) {
      open();
      store.zadd(key, member, score);
    },
    async zrem(key, member) {
      open();
      return store.zrem(key, member);
    },
    async zscore(key, member) {
      open();
      return store.zscore(key, member);
    },
    async zrange(key, options) {
      open();
      return store.zrange(key, options);
    },
    async zremRangeByScore(key, min, max) {
      open();
      return store.zremRangeByScore(key, min, max);
    },
    async zcard(key) {
      open();
      return store.zcard(key);
    },
    async publish(channel, message) {
      open();
      hooks.publish(channel, message);
      // In-object subscribers hear it on a later turn, as every other KV delivers.
      const handlers = local.get(channel);
      if (handlers === undefined) return;
      for (const handler of [...handlers]) queueMicrotask(() => deliverMessage(handler, message, channel));
    },
    async subscribe(channel, handler) {
      open();
      let handlers = local.get(channel);
      if (handlers === undefined) local.set(channel, (handlers = new Set()));
      handlers.add(handler);
      return async () => {
        handlers.delete(handler);
        if (handlers.size === 0) local.delete(channel);
      };
    },
    async close() {
      closed = true;
      local.clear();
    },
  };
}
