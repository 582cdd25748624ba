/**
 * The Redis KV's Lua: the scripts behind `incr`, `incrBounded` and `expire(key, null)`, and a script runner that
 * a Redis-aware caller (the task queue) reaches through a registered symbol. Scripts go as EVALSHA
 * with an EVAL fallback, so each script's text crosses the wire about once.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { RUN_REDIS_SCRIPT, type RunRedisScript } from "../kernel/kv";
import { assumeType } from "../kernel/erased";
import { guardedAddLua } from "../kernel/lua-guarded-add";

export { RUN_REDIS_SCRIPT, type RunRedisScript };

/** The Lua-backed commands of the KV itself. */
export interface ScriptedCommands {
  covaraIncr(key: string, by: string, ttlMs: string): Promise<string>;
  covaraPersist(key: string): Promise<number>;
  covaraIncrBounded(key: string, by: string, min: string, max: string): Promise<string | null>;
}

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

// The bounds check and the write in one script, so two clients can never both pass the check
// against the same old value. Bounds come as strings ('' for unbounded) to keep them exact.
const INCR_BOUNDED_SCRIPT = `
${guardedAddLua("KEYS[1]", "ARGV[1]", "ARGV[2]", "ARGV[3]")}
redis.call('SET', KEYS[1], string.format('%.0f', next), 'KEEPTTL')
return string.format('%.0f', next)`;

// PERSIST answers 0 both for a missing key and for one without a TTL; the interface tells them apart.
const PERSIST_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PERSIST', KEYS[1])
return 1`;

/** Registers the KV's own scripts on the command connection. */
export function defineKVScripts(client: Redis): ScriptedCommands {
  client.defineCommand("covaraIncr", { numberOfKeys: 1, lua: INCR_SCRIPT });
  client.defineCommand("covaraPersist", { numberOfKeys: 1, lua: PERSIST_SCRIPT });
  client.defineCommand("covaraIncrBounded", { numberOfKeys: 1, lua: INCR_BOUNDED_SCRIPT });
  // defineCommand adds these methods at run time; ioredis cannot type them.
  return assumeType<ScriptedCommands>(client);
}

/** A `RunRedisScript` over `client`: EVALSHA, and EVAL once when Redis does not know the script yet. */
export function createScriptRunner(client: Redis, prefix: string): RunRedisScript {
  const digests = new Map<string, string>();
  return async (lua, keys, args) => {
    let sha = digests.get(lua);
    if (sha === undefined) {
      sha = createHash("sha1").update(lua).digest("hex");
      digests.set(lua, sha);
    }
    const rest = [...keys.map((key) => prefix + key), ...args];
    try {
      return await client.evalsha(sha, keys.length, ...rest);
    } catch (error) {
      // After a restart or SCRIPT FLUSH; EVAL caches the script again for the next EVALSHA.
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return client.eval(lua, keys.length, ...rest);
    }
  };
}
