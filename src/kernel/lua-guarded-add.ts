/**
 * Lua shared by the scripts that move an integer counter on Redis (the KV's `incrBounded`, the
 * billing credits ledger): read the current value, add, refuse outside the bounds, refuse beyond
 * ±(2^53 - 1) since a JS number could not carry the result back exactly.
 */

/**
 * Lua lines that leave the new value in `local next`, or return false (outside the bounds) or an
 * error reply (not an integer, unsafe result). Arguments are Lua expressions; a bound given as ''
 * at run time means no bound.
 */
export function guardedAddLua(key: string, delta: string, min: string | null, max: string | null): string {
  return [
    `local raw = redis.call('GET', ${key})`,
    "local current = 0",
    "if raw then",
    "  if not string.match(raw, '^-?%d+$') then return redis.error_reply('ERR value is not an integer') end",
    "  current = tonumber(raw)",
    "end",
    `local next = current + tonumber(${delta})`,
    ...(min === null ? [] : [`if ${min} ~= '' and next < tonumber(${min}) then return false end`]),
    ...(max === null ? [] : [`if ${max} ~= '' and next > tonumber(${max}) then return false end`]),
    "if next > 9007199254740991 or next < -9007199254740991 then",
    "  return redis.error_reply('ERR increment would overflow a safe integer')",
    "end",
  ].join("\n");
}
