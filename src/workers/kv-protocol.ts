/**
 * The wire between a Worker's KV client and `CovaraKVDurableObject`: one JSON command per POST,
 * and one WebSocket per subscription. JSON has no Infinity, which sorted-set bounds use, so
 * non-finite numbers travel as `{"$inf": 1}` / `{"$inf": -1}`.
 */

/** The KV methods a command may name (everything but subscribe and close). */
export const KV_COMMANDS = [
  "get",
  "set",
  "delete",
  "has",
  "incr",
  "incrBounded",
  "expire",
  "ttl",
  "keys",
  "zadd",
  "zrem",
  "zscore",
  "zrange",
  "zremRangeByScore",
  "zcard",
  "publish",
] as const;

export type KVCommandName = (typeof KV_COMMANDS)[number];

export interface KVCommand {
  op: KVCommandName;
  args: unknown[];
}

/** The path of a command (POST) and of a subscription (WebSocket upgrade, `?channel=`). */
export const COMMAND_PATH = "/kv/command";
export const SUBSCRIBE_PATH = "/kv/subscribe";
/** Any origin will do: a Durable Object stub ignores it; the path is what routes. */
export const OBJECT_ORIGIN = "https://covara-kv.internal";
/** Hibernatable WebSocket tags are at most 256 characters; so is a channel name here. */
export const MAX_CHANNEL_LENGTH = 256;

/** Serialises a command argument or result, keeping ±Infinity. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "number" && !Number.isFinite(item) && !Number.isNaN(item) ? { $inf: item > 0 ? 1 : -1 } : item,
  );
}

/** Reverses `encodeValue`. */
export function decodeValue(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === "object" && item !== null && "$inf" in item && Object.keys(item).length === 1) {
      return item.$inf === 1 ? Infinity : -Infinity;
    }
    return item;
  });
}

/** True when `name` is a command the object serves. */
export function isKVCommandName(name: unknown): name is KVCommandName {
  return typeof name === "string" && (KV_COMMANDS as readonly string[]).includes(name);
}
