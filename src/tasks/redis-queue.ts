/**
 * The queue on a Redis KV: records as hashes and the hot moves (insert, promote, claim, owned
 * writes, settle-and-claim, renew, slot) as Lua scripts, one round trip each and atomic (settles
 * made together share one, see redis-settle-batch.ts); set and
 * lease bookkeeping that is off the hot path stays the portable queue's. The KV offers its script
 * runner under a registered symbol, so this file needs neither ioredis nor an import from `src/kv`,
 * and the KV interface stays as it is.
 */
import { RUN_REDIS_SCRIPT, type KV, type RunRedisScript } from "../kernel/kv";
import {
  NOTIFY_AT,
  NOTIFY_READY,
  PRIORITY_WEIGHT,
  readyScore,
  toRunning,
  type Claim,
  type SettleEffects,
  type TaskQueue,
} from "./queue";
import {
  ACQUIRE_SLOT_SCRIPT,
  CLAIM_SCRIPT,
  INSERT_SCRIPT,
  PROMOTE_SCRIPT,
  READ_SCRIPT,
  RENEW_SCRIPT,
  SAVE_OWNED_SCRIPT,
  SETTLE_AND_CLAIM_SCRIPT,
  WRITE_SCRIPT,
} from "./redis-queue-scripts";
import { createSettleBatcher } from "./redis-settle-batch";
import type { TaskRecord } from "./types";

/** The KV's Redis script runner, or undefined when the KV is not the Redis KV. */
export function redisScriptRunnerOf(kv: KV): RunRedisScript | undefined {
  const runner: unknown = RUN_REDIS_SCRIPT in kv ? kv[RUN_REDIS_SCRIPT] : undefined;
  return typeof runner === "function" ? (runner as RunRedisScript) : undefined;
}

/** Where a pending record goes and what the workers are told: [set, score, notify message]. */
function placement(record: TaskRecord, now: number): [string, string, string] {
  return record.runAt <= now
    ? ["ready", String(readyScore(record.priority, record.runAt)), NOTIFY_READY]
    : ["scheduled", String(record.runAt), NOTIFY_AT + record.runAt];
}

const newTokens = (count: number) => Array.from({ length: count }, () => crypto.randomUUID());

/** Reads a claim reply, the flat list [record json, token, ...], into claims made at `now`. */
function parseClaims(reply: unknown[], from: number, now: number): Claim[] {
  const claims: Claim[] = [];
  for (let i = from; i + 1 < reply.length; i += 2) {
    const stored = JSON.parse(String(reply[i])) as TaskRecord;
    claims.push({ stored, running: toRunning(stored, String(reply[i + 1]), now) });
  }
  return claims;
}

/** Overrides the portable queue's record storage and hot moves with scripts run through `runScript`. */
export function createRedisTaskQueue(portable: TaskQueue, runScript: RunRedisScript): TaskQueue {
  const base = [portable.prefix];
  const run = (lua: string, args: (string | number)[]) => runScript(lua, base, args);

  /** The arguments of SETTLE_AND_CLAIM_SCRIPT before the claim part. */
  function settleArgs(
    record: TaskRecord,
    token: string | undefined,
    effects: SettleEffects,
    now: number,
  ): (string | number)[] {
    const [set, score, message] = effects.requeue ? placement(record, now) : ["", "", ""];
    const finished = record.status === "completed" || record.status === "dead";
    return [
      record.id,
      token ?? "",
      JSON.stringify(record),
      record.status,
      record.priority,
      effects.ttlMs === undefined ? "" : Math.ceil(effects.ttlMs),
      set,
      score,
      message,
      effects.deadLetter ? String(record.finishedAt ?? now) : "",
      effects.slot ?? "",
      finished ? "1" : "",
    ];
  }

  const settleBatched = createSettleBatcher(async (count, args, max, leaseMs, now) => {
    const claimArgs = [max, String(now + leaseMs), String(now), ...newTokens(max)];
    const reply = (await run(SETTLE_AND_CLAIM_SCRIPT, [count, ...args, ...claimArgs])) as unknown[];
    return { flags: reply.slice(0, count), claims: parseClaims(reply, count, now) };
  });

  const queue: TaskQueue = {
    ...portable,

    async readRecord(id) {
      const [json, token, claimedAt] = (await run(READ_SCRIPT, [id])) as [string | null, string | null, string | null];
      if (json === null) return null;
      const record = JSON.parse(json) as TaskRecord;
      if (token === null) return record;
      // Claimed: until the attempt writes its own running record, the stored JSON is still pending.
      return record.status === "running"
        ? { ...record, claimToken: token }
        : toRunning(record, token, Number(claimedAt));
    },

    async writeRecord(record, ttlMs) {
      const ttl = ttlMs === undefined ? "" : Math.ceil(ttlMs);
      await run(WRITE_SCRIPT, [record.id, JSON.stringify(record), record.status, record.priority, ttl]);
    },

    async insert(record, idempotency) {
      const [set, score, message] = placement(record, record.createdAt);
      const idem =
        idempotency === undefined ? ["", ""] : [`${record.name}:${idempotency.key}`, Math.ceil(idempotency.ttlMs)];
      const holder = await run(INSERT_SCRIPT, [
        record.id,
        JSON.stringify(record),
        record.priority,
        set,
        score,
        message,
        ...idem,
      ]);
      return typeof holder === "string" ? holder : null;
    },

    async promoteDue(now, limit = 100) {
      return Number(await run(PROMOTE_SCRIPT, [String(now), limit, PRIORITY_WEIGHT]));
    },

    async claim(max, leaseMs, now) {
      const reply = (await run(CLAIM_SCRIPT, [
        max,
        String(now + leaseMs),
        String(now),
        ...newTokens(max),
      ])) as unknown[];
      return parseClaims(reply, 0, now);
    },

    async saveOwned(record, token) {
      return (await run(SAVE_OWNED_SCRIPT, [record.id, token, JSON.stringify(record)])) === 1;
    },

    async settle(record, token, effects = {}) {
      return (await queue.settleAndClaim(record, token, effects, 0, 0)).settled;
    },

    settleAndClaim(record, token, effects, max, leaseMs) {
      return settleBatched({ args: settleArgs(record, token, effects, Date.now()), max, leaseMs });
    },

    async renewLease(id, expiresAt, slot) {
      return (await run(RENEW_SCRIPT, [id, String(expiresAt), slot ?? ""])) === 1;
    },

    async acquireSlot(name, id, max, expiresAt, now) {
      const granted = await runScript(
        ACQUIRE_SLOT_SCRIPT,
        [portable.key("running", name)],
        [id, max, String(expiresAt), String(now)],
      );
      return granted === 1;
    },
  };
  return queue;
}
