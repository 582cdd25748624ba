/**
 * The Redis KV adapter (ioredis): state shared by every instance of an app, and the pub/sub that
 * cross-instance fan-out rides on. Node-only; reached through `createKV` or `createRedisKV`, which
 * load this file lazily so users of the memory KV never load ioredis. Needs Redis 6.2 or newer.
 */
import { deliverMessage } from "./deliver";
import { Redis } from "ioredis";
import type { KV, KVMessageHandler, KVSetOptions, RangeOptions, SortedSetEntry } from "../kernel/kv";

export interface RedisKVOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prepended to every key and channel, so apps and test runs sharing one Redis never collide. */
  keyPrefix?: string;
  /** How long the first connection may take before `createRedisKV` rejects (default 5000). */
  connectTimeoutMs?: number;
  /** Shown by CLIENT LIST; the pub/sub connection gets `:sub` appended (default `covara-kv`). */
  connectionName?: string;
  /**
   * Told when a connection drops or fails (once per outage, not once per retry); the adapter keeps
   * reconnecting and re-subscribing. Default: console.error.
   */
  onError?: (error: Error) => void;
}

interface Subscription {
  handler: KVMessageHandler;
  active: boolean;
}

interface Channel {
  subscriptions: Set<Subscription>;
  /** Settles once Redis has acknowledged the SUBSCRIBE, so a later publish is guaranteed to reach it. */
  ready: Promise<unknown>;
}

/** The Lua-backed commands, registered with `defineCommand` (sent as EVALSHA, with EVAL fallback). */
interface ScriptedCommands {
  covaraIncr(key: string, by: string, ttlMs: string): Promise<string>;
  covaraPersist(key: string): Promise<number>;
}

const DEFAULT_URL = "redis://127.0.0.1:6379";
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_CONNECTION_NAME = "covara-kv";
// ioredis's default of 20 retries under exponential backoff holds a command for over a minute when
// Redis goes down; 5 makes it fail about two seconds into an outage, which a request can answer.
const MAX_RETRIES_PER_REQUEST = 5;
const SCAN_COUNT = 1000;

// INCRBY and the TTL check run as one script so no other client can slip in between: the window's
// TTL is set by whichever increment first finds the key without one, and never extended after.
// Results beyond ±(2^53 - 1) are undone, since a JS number could not carry them back exactly; the
// result goes back as a string because ioredis 6 decodes integer replies near 2^53 inexactly.
const INCR_SCRIPT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value > 9007199254740991 or value < -9007199254740991 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('ERR increment would overflow a safe integer')
end
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return string.format('%.0f', value)`;

// PERSIST answers 0 both for a missing key and for one without a TTL; the interface tells them apart.
const PERSIST_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PERSIST', KEYS[1])
return 1`;

/** Creates a Redis-backed KV; rejects with a clear error when Redis cannot be reached. */
export async function createRedisKV(options: RedisKVOptions = {}): Promise<KV> {
  const url = options.url ?? DEFAULT_URL;
  const prefix = options.keyPrefix ?? "";
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const name = options.connectionName ?? DEFAULT_CONNECTION_NAME;
  const onError = options.onError ?? ((error: Error) => console.error(error.message, error.cause ?? ""));
  const where = redactUrl(url);

  let closed = false;
  const settings: ConnectionSettings = { url, connectTimeoutMs, where, onError, isClosing: () => closed };

  const client = openConnection(settings, "command", name);
  await connectOrFail(client, where, connectTimeoutMs);
  client.defineCommand("covaraIncr", { numberOfKeys: 1, lua: INCR_SCRIPT });
  client.defineCommand("covaraPersist", { numberOfKeys: 1, lua: PERSIST_SCRIPT });
  const scripted = client as unknown as ScriptedCommands;

  let subscriber: Redis | undefined;
  const channels = new Map<string, Channel>();

  function assertOpen(): void {
    if (closed) throw new Error("The Redis KV has been closed");
  }

  /** Awaits a command, turning an ioredis error into a plain Error that names the operation. */
  async function run<T>(operation: string, key: string, command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      throw new Error(`covara kv (redis): ${operation} "${key}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  // Created on the first subscribe: a connection in subscriber mode cannot serve other commands.
  function getSubscriber(): Redis {
    if (subscriber !== undefined) return subscriber;
    const created = openConnection(settings, "pub/sub", `${name}:sub`);
    // Commands wait in ioredis's offline queue until it is ready; failures reach `onError`.
    created.connect().catch(() => {});
    created.on("message", (fullChannel: string, message: string) => {
      const channel = channels.get(fullChannel);
      if (channel === undefined) return;
      const userChannel = fullChannel.slice(prefix.length);
      // A snapshot, so a handler that (un)subscribes does not change who receives this message.
      for (const subscription of [...channel.subscriptions]) {
        if (subscription.active && !closed) deliverMessage(subscription.handler, message, userChannel);
      }
    });
    subscriber = created;
    return created;
  }

  async function unsubscribe(fullChannel: string, subscription: Subscription): Promise<void> {
    if (!subscription.active) return;
    subscription.active = false;
    const channel = channels.get(fullChannel);
    if (channel === undefined || !channel.subscriptions.delete(subscription)) return;
    if (channel.subscriptions.size > 0 || closed) return;
    channels.delete(fullChannel);
    // Issued synchronously after the state change, so a racing re-subscribe is queued behind it.
    await run("unsubscribe", fullChannel.slice(prefix.length), getSubscriber().unsubscribe(fullChannel));
  }

  const kv: KV = {
    async get(key) {
      assertOpen();
      return run("get", key, client.get(prefix + key));
    },

    async set(key, value, setOptions: KVSetOptions = {}) {
      assertOpen();
      const ttl = setOptions.ttlMs === undefined ? undefined : toPx(setOptions.ttlMs);
      if (ttl !== undefined && ttl <= 0) {
        // Redis refuses PX 0; a value that expires at once is the same as no value.
        if (setOptions.ifNotExists) return (await run("set", key, client.exists(prefix + key))) === 0;
        await run("set", key, client.del(prefix + key));
        return true;
      }
      const args: (string | number)[] = [prefix + key, value];
      if (ttl !== undefined) args.push("PX", ttl);
      if (setOptions.ifNotExists) args.push("NX");
      return (await run("set", key, client.call("SET", ...args))) === "OK";
    },

    async delete(key) {
      assertOpen();
      return (await run("delete", key, client.del(prefix + key))) > 0;
    },

    async has(key) {
      assertOpen();
      return (await run("has", key, client.exists(prefix + key))) > 0;
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
        if (/not an integer/i.test(message)) throw new Error(`incr: the value of "${key}" is not an integer`, { cause: error });
        if (/overflow/i.test(message)) throw new Error(`incr: the value of "${key}" would overflow`, { cause: error });
        throw new Error(`covara kv (redis): incr "${key}" failed: ${message}`, { cause: error });
      }
    },

    async expire(key, ttlMs) {
      assertOpen();
      if (ttlMs === null) return (await run("expire", key, scripted.covaraPersist(prefix + key))) === 1;
      // A TTL of 0 or less deletes the key, as in Redis and the memory KV.
      return (await run("expire", key, client.pexpire(prefix + key, toPx(ttlMs)))) === 1;
    },

    async ttl(key) {
      assertOpen();
      const remaining = await run("ttl", key, client.pttl(prefix + key));
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
        const [next, batch] = await run("keys", keyPrefix, client.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT));
        for (const fullKey of batch) found.add(fullKey.slice(prefix.length));
        cursor = next;
      } while (cursor !== "0");
      return [...found];
    },

    async zadd(key, member, score) {
      assertOpen();
      await run("zadd", key, client.zadd(prefix + key, formatScore(score), member));
    },

    async zrem(key, member) {
      assertOpen();
      return (await run("zrem", key, client.zrem(prefix + key, member))) > 0;
    },

    async zscore(key, member) {
      assertOpen();
      const score = await run("zscore", key, client.zscore(prefix + key, member));
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
      return parseEntries(await run("zrange", key, client.call("ZRANGE", ...args)));
    },

    async zremRangeByScore(key, min, max) {
      assertOpen();
      return run("zremRangeByScore", key, client.zremrangebyscore(prefix + key, formatScore(min), formatScore(max)));
    },

    async zcard(key) {
      assertOpen();
      return run("zcard", key, client.zcard(prefix + key));
    },

    async publish(channel, message) {
      assertOpen();
      // Sent before any await: concurrent publishes reach Redis in call order on the one connection.
      await run("publish", channel, client.publish(prefix + channel, message));
    },

    async subscribe(channel, handler) {
      assertOpen();
      const fullChannel = prefix + channel;
      const subscription: Subscription = { handler, active: true };
      let entry = channels.get(fullChannel);
      if (entry === undefined) {
        // One Redis subscription per channel, however many local handlers share it.
        entry = { subscriptions: new Set(), ready: getSubscriber().subscribe(fullChannel) };
        channels.set(fullChannel, entry);
      }
      entry.subscriptions.add(subscription);
      try {
        await run("subscribe", channel, entry.ready);
      } catch (error) {
        await unsubscribe(fullChannel, subscription).catch(() => {});
        throw error;
      }
      return () => unsubscribe(fullChannel, subscription);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const channel of channels.values()) {
        for (const subscription of channel.subscriptions) subscription.active = false;
      }
      channels.clear();
      await Promise.all([shutdown(client), subscriber === undefined ? undefined : shutdown(subscriber)]);
    },
  };
  return kv;
}

interface ConnectionSettings {
  url: string;
  connectTimeoutMs: number;
  /** The redacted URL, for messages. */
  where: string;
  onError: (error: Error) => void;
  /** True once the KV is closing, when a dropped connection is expected rather than reported. */
  isClosing: () => boolean;
}

/** A connection (not yet connecting) that reports its failures through `onError`, never by crashing. */
function openConnection(settings: ConnectionSettings, role: string, connectionName: string): Redis {
  const connection = new Redis(settings.url, {
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    connectionName,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
  });
  // ioredis emits 'error' and 'close' on every failed retry; one report per outage is enough. A
  // failure before the first 'ready' is the business of whoever awaits the connection.
  let everReady = false;
  let down = false;
  const report = (detail: string, cause?: unknown) => {
    if (!everReady || down || settings.isClosing()) return;
    down = true;
    const message = `covara kv (redis): the ${role} connection to ${settings.where} ${detail}; reconnecting`;
    settings.onError(new Error(message, { cause }));
  };
  connection.on("error", (error: Error) => report(`failed (${error.message})`, error));
  connection.on("close", () => report("dropped"));
  connection.on("ready", () => {
    everReady = true;
    down = false;
  });
  return connection;
}

/** Connects, or stops the client and rejects with the reason (the socket error, not ioredis's summary). */
async function connectOrFail(client: Redis, where: string, timeoutMs: number): Promise<void> {
  let lastError: Error | undefined;
  const remember = (error: Error) => (lastError = error);
  client.on("error", remember);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    throw new Error(`covara kv (redis): cannot connect to ${where}: ${messageOf(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.off("error", remember);
  }
}

/** QUIT when connected, so pending replies arrive; otherwise drop the socket and stop retrying. */
async function shutdown(connection: Redis): Promise<void> {
  if (connection.status !== "ready") return connection.disconnect();
  await connection.quit().catch(() => connection.disconnect());
}


/** A TTL as the whole milliseconds PX/PEXPIRE accept; a fraction of a ms rounds up, not to 0. */
function toPx(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new Error(`TTL must be a finite number of ms, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/** A score or bound as Redis reads it; NaN, which Redis would refuse less clearly, throws here. */
function formatScore(score: number): string {
  if (Number.isNaN(score)) throw new Error("Sorted set scores and bounds must be numbers, got NaN");
  if (score === Infinity) return "+inf";
  if (score === -Infinity) return "-inf";
  // The shortest round-trip form, so Redis stores exactly this double.
  return String(score);
}

function parseScore(text: string | number): number {
  if (typeof text === "number") return text;
  if (text === "inf" || text === "+inf") return Infinity;
  if (text === "-inf") return -Infinity;
  return Number(text);
}

/** WITHSCORES replies: `[[member, score], ...]` over RESP3, flat `[member, score, ...]` over RESP2. */
function parseEntries(reply: unknown): SortedSetEntry[] {
  const items = (Array.isArray(reply) ? reply : []) as (string | number | [string, string | number])[];
  const pairs = Array.isArray(items[0])
    ? (items as [string, string | number][])
    : Array.from({ length: items.length >> 1 }, (_, i) => [items[2 * i], items[2 * i + 1]] as [string, string | number]);
  return pairs.map(([member, score]) => ({ member: String(member), score: parseScore(score) }));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // ioredis's wording points at an option this adapter does not expose; say what happened instead.
  if (error.name === "MaxRetriesPerRequestError") return `Redis unreachable after ${MAX_RETRIES_PER_REQUEST} reconnect attempts`;
  return error.message;
}

/** Escapes SCAN MATCH's glob characters so a prefix matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** The URL without its password, for error messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the configured Redis URL";
  }
}
