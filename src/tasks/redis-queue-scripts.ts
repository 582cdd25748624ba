/**
 * The Lua behind `redis-queue.ts`: each hot queue move as one atomic script, one round trip.
 *
 * Every script takes the queue's base prefix as KEYS[1] (the KV adds its own key prefix to it, as
 * to any key) and builds the layout's key names from it. (Key names built inside a script rule out
 * Redis Cluster; the queue needs a single Redis, or a primary with replicas.)
 *
 * On Redis `task:{id}` is a hash: `record` (the JSON the worker last wrote), `status` and `priority`
 * (copies the scripts can read without decoding JSON), and while an attempt holds the task `claim`
 * (its token) and `claimedAt`. Scripts never decode and re-encode a record: Redis's cjson would
 * turn `[]` into `{}` and cut numbers to 14 digits.
 */

/**
 * Pops ready tasks until `max` pending ones are claimed or none is left: each gets status running,
 * the next of the tokens ARGV[first..], `claimedAt` and a lease to `expiry`. Answers the flat list
 * [record json, token, ...]. Stale entries (finished, dead, expired tasks) are dropped on the way.
 */
const CLAIM_FUNCTION = `
local function claim(base, max, expiry, now, first)
  local claimed = {}
  local used = 0
  while used < max do
    local popped = redis.call('ZPOPMIN', base .. 'ready', max - used)
    if #popped == 0 then break end
    for i = 1, #popped, 2 do
      local id = popped[i]
      local key = base .. 'task:' .. id
      local state = redis.call('HMGET', key, 'status', 'record')
      if state[1] == 'pending' and state[2] then
        local token = ARGV[first + used]
        used = used + 1
        redis.call('HSET', key, 'status', 'running', 'claim', token, 'claimedAt', now)
        redis.call('ZADD', base .. 'leases', expiry, id)
        claimed[#claimed + 1] = state[2]
        claimed[#claimed + 1] = token
      end
    end
  end
  return claimed
end
`;

/** Stores a new record and queues it, unless its idempotency key is taken (then returns the holder). */
export const INSERT_SCRIPT = `
local base = KEYS[1]
local id, json, priority, set, score, message, idem, idemTtl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if idem ~= '' then
  local holder = redis.call('GET', base .. 'idem:' .. idem)
  if holder then return holder end
  redis.call('SET', base .. 'idem:' .. idem, id, 'PX', idemTtl)
end
redis.call('HSET', base .. 'task:' .. id, 'record', json, 'status', 'pending', 'priority', priority)
redis.call('ZADD', base .. set, score, id)
redis.call('PUBLISH', base .. 'notify', message)
return false`;

/** Claims up to ARGV[1] tasks, leased until ARGV[2], claimed at ARGV[3], with tokens ARGV[4..]. */
export const CLAIM_SCRIPT = `${CLAIM_FUNCTION}
return claim(KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3], 4)`;

/** Answers [record json, claim token, claimedAt] of task ARGV[1]. */
export const READ_SCRIPT = `
return redis.call('HMGET', KEYS[1] .. 'task:' .. ARGV[1], 'record', 'claim', 'claimedAt')`;

/** Writes record ARGV[1] unconditionally: json, status, priority, TTL ARGV[5] ('' = none). */
export const WRITE_SCRIPT = `
local key = KEYS[1] .. 'task:' .. ARGV[1]
redis.call('HSET', key, 'record', ARGV[2], 'status', ARGV[3], 'priority', ARGV[4])
if ARGV[5] ~= '' then redis.call('PEXPIRE', key, ARGV[5]) else redis.call('PERSIST', key) end
return 1`;

/** Replaces the record JSON of ARGV[1] with ARGV[3] if attempt ARGV[2] still holds it; 1 or 0. */
export const SAVE_OWNED_SCRIPT = `
local key = KEYS[1] .. 'task:' .. ARGV[1]
if redis.call('HGET', key, 'claim') ~= ARGV[2] then return 0 end
redis.call('HSET', key, 'record', ARGV[3])
return 1`;

/**
 * Ends a batch of ownerships (see TaskQueue.settle), then claims like CLAIM_SCRIPT. ARGV[1] is the
 * batch size; then per settle SETTLE_ARITY values: id, token ('' = unconditional), record json,
 * status, priority, ttl ms (''), requeue set ('ready' | 'scheduled' | ''), its score, the notify
 * message, dlq score (''), slot task name (''), announce on done ('1' | ''); then claim max, lease
 * expiry, now, tokens... Answers [settled 1|0 per settle, claimed...].
 */
export const SETTLE_ARITY = 12;
export const SETTLE_AND_CLAIM_SCRIPT = `${CLAIM_FUNCTION}
local base = KEYS[1]
local count = tonumber(ARGV[1])
local results = {}
local a = 2
for n = 1, count do
  local id, token = ARGV[a], ARGV[a + 1]
  local key = base .. 'task:' .. id
  local settled = 0
  if token == '' or redis.call('HGET', key, 'claim') == token then
    settled = 1
    redis.call('HSET', key, 'record', ARGV[a + 2], 'status', ARGV[a + 3], 'priority', ARGV[a + 4])
    redis.call('HDEL', key, 'claim', 'claimedAt')
    if ARGV[a + 5] ~= '' then redis.call('PEXPIRE', key, ARGV[a + 5]) else redis.call('PERSIST', key) end
    if ARGV[a + 6] ~= '' then
      redis.call('ZADD', base .. ARGV[a + 6], ARGV[a + 7], id)
      redis.call('PUBLISH', base .. 'notify', ARGV[a + 8])
    end
    if ARGV[a + 9] ~= '' then redis.call('ZADD', base .. 'dlq', ARGV[a + 9], id) end
    redis.call('ZREM', base .. 'leases', id)
    if ARGV[a + 10] ~= '' then redis.call('ZREM', base .. 'running:' .. ARGV[a + 10], id) end
    if ARGV[a + 11] ~= '' then redis.call('PUBLISH', base .. 'done', id) end
  end
  results[n] = settled
  a = a + ${SETTLE_ARITY}
end
local claimed = claim(base, tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], a + 3)
for n = 1, #claimed do results[count + n] = claimed[n] end
return results`;

/** Extends lease ARGV[1] (and its slot of task ARGV[3], if held) to ARGV[2]; 0 when the lease is gone. */
export const RENEW_SCRIPT = `
local base = KEYS[1]
local id, expiry, slot = ARGV[1], ARGV[2], ARGV[3]
if not redis.call('ZSCORE', base .. 'leases', id) then return 0 end
redis.call('ZADD', base .. 'leases', expiry, id)
if slot ~= '' and redis.call('ZSCORE', base .. 'running:' .. slot, id) then
  redis.call('ZADD', base .. 'running:' .. slot, expiry, id)
end
return 1`;

/** Takes a slot in KEYS[1] for ARGV[1] when fewer than ARGV[2] live ones (expiry > ARGV[4]) exist. */
export const ACQUIRE_SLOT_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0`;

/** Moves up to ARGV[2] scheduled tasks due by ARGV[1] to ready, scored with priority weight ARGV[3]. */
export const PROMOTE_SCRIPT = `
local base = KEYS[1]
local due = redis.call('ZRANGE', base .. 'scheduled', '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2], 'WITHSCORES')
local weight = tonumber(ARGV[3])
local moved = 0
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', base .. 'scheduled', id)
  local priority = redis.call('HGET', base .. 'task:' .. id, 'priority')
  if priority then
    redis.call('ZADD', base .. 'ready', tonumber(due[i + 1]) - tonumber(priority) * weight, id)
  end
  moved = moved + 1
end
if moved > 0 then redis.call('PUBLISH', base .. 'notify', 'ready') end
return moved`;
