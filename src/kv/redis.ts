/**
 * The Redis KV adapter (ioredis): state shared by every instance of an app, and the pub/sub that
 * cross-instance fan-out rides on. Node-only; reached through `createKV` or `createRedisKV`, which
 * load this file lazily so users of the memory KV never load ioredis. Needs Redis 6.2 or newer.
 * Connections live in `redis-connection.ts`, pub/sub in `redis-pubsub.ts`, Lua in `redis-scripts.ts`.
 */
import type { KV, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";
import { escapeGlob, formatScore, parseEntries, parseScore, toPx } from "./redis-codec";
import {
  connectOrFail,
  messageOf,
  openConnection,
  runCommand,
  redactUrl,
  shutdown,
  type ConnectionSettings,
} from "./redis-connection";
import { createRedisPubSub } from "./redis-pubsub";
import { createScriptRunner, defineKVScripts, RUN_REDIS_SCRIPT, type RunRedisScript } from "./redis-scripts";
import { defaultLogger } from "../kernel/context";

/**
 * Options of `createRedisKV`: the connection and how long it may take.
 *
 * @example
 * ```ts
 * const kv = await createRedisKV({ url: process.env.REDIS_URL, connectTimeoutMs: 2000 });
 * ```
 */
export interface RedisKVOptions {
  /**
   * `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
   * @default `redis://127.0.0.1:6379`
   */
  url?: string;
  /** Prepended to every key and channel, so apps and test runs sharing one Redis never collide. */
  keyPrefix?: string;
  /**
   * How long the first connection may take before `createRedisKV` rejects.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * Shown by CLIENT LIST; the pub/sub connection gets `:sub` appended.
   * @default `covara-kv`
   */
  connectionName?: string;
  /**
   * Told when a connection drops or fails (once per outage, not once per retry); the adapter keeps
   * reconnecting and re-subscribing. Default: the default context's logger.
   */
  onError?: (error: Error) => void;
}

const DEFAULT_URL = "redis://127.0.0.1:6379";
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_CONNECTION_NAME = "covara-kv";
const SCAN_COUNT = 1000;

/** Creates a Redis-backed KV; rejects with a clear error when Redis cannot be reached. */
export async function createRedisKV(options: RedisKVOptions = {}): Promise<KV> {
  const url = options.url ?? DEFAULT_URL;
  const prefix = options.keyPrefix ?? "";
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const name = options.connectionName ?? DEFAULT_CONNECTION_NAME;
  const onError = options.onError ?? ((error: Error) => defaultLogger().error(error.message, error.cause));
  const where = redactUrl(url);

  let closed = false;
  const settings: ConnectionSettings = { url, connectTimeoutMs, where, onError, isClosing: () => closed };

  const client = openConnection(settings, "command", name);
  await connectOrFail(client, where, connectTimeoutMs);
  const scripted = defineKVScripts(client);
  const runScript = createScriptRunner(client, prefix);
  const pubsub = createRedisPubSub(settings, prefix, name);

  function assertOpen(): void {
    if (closed) throw new Error("The Redis KV has been closed");
  }

  const kv: KV = {
    async get(key) {
      assertOpen();
      return runCommand("get", key, client.get(prefix + key));
    },

    async set(key, value, setOptions: KVSetOptions = {}) {
      assertOpen();
      const ttl = setOptions.ttlMs === undefined ? undefined : toPx(setOptions.ttlMs);
      if (ttl !== undefined && ttl <= 0) {
        // Redis refuses PX 0; a value that expires at once is the same as no value.
        if (setOptions.ifNotExists) return (await runCommand("set", key, client.exists(prefix + key))) === 0;
        await runCommand("set", key, client.del(prefix + key));
        return true;
      }
      const args: (string | number)[] = [prefix + key, value];
      if (ttl !== undefined) args.push("PX", ttl);
      if (setOptions.ifNotExists) args.push("NX");
      return (await runCommand("set", key, client.call("SET", ...args))) === "OK";
    },

    async delete(key) {
      assertOpen();
      return (await runCommand("delete", key, client.del(prefix + key))) > 0;
    },

    async has(key) {
      assertOpen();
      return (await runCommand("has", key, client.exists(prefix + key))) > 0;
    },

    async incr(key, by = 1, incrOptions = {}) {
      assertOpen();
      if (!Number.isSafeInteger(by)) throw new Error(`incr: the increment must be an integer, got ${by}`);
      const ttl = incrOptions.ttlMs === undefined ? "" : String(toPx(incrOptions.ttlMs));
      try {
        return Number(await scripted.covaraIncr(prefix + key, String(by), ttl));
      } catch (error) {
        const message = messageOf(error);
        // The same messages as the memory KV for the faults a caller can cause.
        if (/not an integer/i.test(message))
          throw new Error(`incr: the value of "${key}" is not an integer`, { cause: error });
        if (/overflow/i.test(message)) throw new Error(`incr: the value of "${key}" would overflow`, { cause: error });
        throw new Error(`covara kv (redis): incr "${key}" failed: ${message}`, { cause: error });
      }
    },

    async incrBounded(key, by, bounds) {
      assertOpen();
      if (!Number.isSafeInteger(by)) throw new Error(`incrBounded: the increment must be an integer, got ${by}`);
      const bound = (value: number | undefined) =>
        value === undefined || !Number.isFinite(value) ? "" : String(value);
      try {
        const result = await scripted.covaraIncrBounded(prefix + key, String(by), bound(bounds.min), bound(bounds.max));
        return result === null ? null : Number(result);
      } catch (error) {
        const message = messageOf(error);
        if (/not an integer/i.test(message))
          throw new Error(`incr: the value of "${key}" is not an integer`, { cause: error });
        if (/overflow/i.test(message)) throw new Error(`incr: the value of "${key}" would overflow`, { cause: error });
        throw new Error(`covara kv (redis): incrBounded "${key}" failed: ${message}`, { cause: error });
      }
    },

    async expire(key, ttlMs) {
      assertOpen();
      if (ttlMs === null) return (await runCommand("expire", key, scripted.covaraPersist(prefix + key))) === 1;
      // A TTL of 0 or less deletes the key, as in Redis and the memory KV.
      return (await runCommand("expire", key, client.pexpire(prefix + key, toPx(ttlMs)))) === 1;
    },

    async ttl(key) {
      assertOpen();
      const remaining = await runCommand("ttl", key, client.pttl(prefix + key));
      if (remaining === -2) return -1;
      return remaining === -1 ? null : remaining;
    },

    async keys(keyPrefix) {
      assertOpen();
      const pattern = `${escapeGlob(prefix + keyPrefix)}*`;
      // SCAN may return a key twice; a Set keeps the answer exact.
      const found = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await runCommand(
          "keys",
          keyPrefix,
          client.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT),
        );
        for (const fullKey of batch) found.add(fullKey.slice(prefix.length));
        cursor = next;
      } while (cursor !== "0");
      return [...found];
    },

    async zadd(key, member, score) {
      assertOpen();
      await runCommand("zadd", key, client.zadd(prefix + key, formatScore(score), member));
    },

    async zrem(key, member) {
      assertOpen();
      return (await runCommand("zrem", key, client.zrem(prefix + key, member))) > 0;
    },

    async zscore(key, member) {
      assertOpen();
      const score = await runCommand("zscore", key, client.zscore(prefix + key, member));
      return score === null ? null : parseScore(score);
    },

    async zrange(key, rangeOptions: RangeOptions = {}): Promise<SortedSetEntry[]> {
      assertOpen();
      const { min = -Infinity, max = Infinity, minExclusive = false, limit, reverse = false } = rangeOptions;
      const low = `${minExclusive ? "(" : ""}${formatScore(min)}`;
      const high = formatScore(max);
      // With REV, ZRANGE takes the bounds high first; LIMIT then counts from the high end.
      const args: (string | number)[] = [prefix + key, ...(reverse ? [high, low] : [low, high]), "BYSCORE"];
      if (reverse) args.push("REV");
      if (limit !== undefined && limit >= 0) args.push("LIMIT", 0, Math.floor(limit));
      args.push("WITHSCORES");
      return parseEntries(await runCommand("zrange", key, client.call("ZRANGE", ...args)));
    },

    async zremRangeByScore(key, min, max) {
      assertOpen();
      return runCommand(
        "zremRangeByScore",
        key,
        client.zremrangebyscore(prefix + key, formatScore(min), formatScore(max)),
      );
    },

    async zcard(key) {
      assertOpen();
      return runCommand("zcard", key, client.zcard(prefix + key));
    },

    async publish(channel, message) {
      assertOpen();
      // Sent before any await: concurrent publishes reach Redis in call order on the one connection.
      await runCommand("publish", channel, client.publish(prefix + channel, message));
    },

    async subscribe(channel, handler) {
      assertOpen();
      return pubsub.subscribe(channel, handler);
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([shutdown(client), pubsub.close()]);
    },
  };

  // Offered beside the interface, not in it: see RUN_REDIS_SCRIPT.
  const scriptRunner: RunRedisScript = async (lua, keys, args) => {
    assertOpen();
    return runCommand("script", keys[0] ?? "", runScript(lua, keys, args));
  };
  Object.defineProperty(kv, RUN_REDIS_SCRIPT, { value: scriptRunner, enumerable: false });
  return kv;
}
