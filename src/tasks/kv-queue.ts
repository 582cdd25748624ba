/**
 * The portable queue: every move built from the kernel KV interface alone, so it runs on the memory
 * KV and any other adapter. No move is atomic; each is ordered so that a process dying between two
 * KV calls leaves a lapsing guard in `leases` rather than a lost task (see `queue.ts`).
 */
import type { KV } from "../kernel/kv";
import { NOTIFY_AT, NOTIFY_READY, readyScore, toRunning, type Claim, type TaskQueue } from "./queue";
import type { TaskRecord } from "./types";

/** Marks a promotion guard in `leases`, distinct from a worker's lease (the bare id). */
export const PROMOTION_GUARD = "promote:";
/** Extra `ready` entries a claim looks at, in case racing claimers take the first ones. */
const CLAIM_LOOKAHEAD = 8;

/** Binds the portable queue to a KV and a key prefix. */
export function createKVTaskQueue(kv: KV, prefix: string): TaskQueue {
  const key = (...parts: string[]) => prefix + parts.join(":");
  const READY = key("ready");
  const SCHEDULED = key("scheduled");
  const LEASES = key("leases");
  const DLQ = key("dlq");
  const slotKey = (name: string) => key("running", name);

  async function isOwnedBy(id: string, token: string): Promise<boolean> {
    return (await queue.readRecord(id))?.claimToken === token;
  }

  const queue: TaskQueue = {
    kv,
    prefix,
    key,
    channels: { notify: key("notify"), done: key("done") },

    async readRecord(id) {
      const raw = await kv.get(key("task", id));
      return raw === null ? null : (JSON.parse(raw) as TaskRecord);
    },

    async writeRecord(record, ttlMs) {
      await kv.set(key("task", record.id), JSON.stringify(record), ttlMs === undefined ? {} : { ttlMs });
    },

    async push(record, now = Date.now()) {
      if (record.runAt <= now) {
        await kv.zadd(READY, record.id, readyScore(record.priority, record.runAt));
        await kv.publish(queue.channels.notify, NOTIFY_READY);
      } else {
        await kv.zadd(SCHEDULED, record.id, record.runAt);
        await kv.publish(queue.channels.notify, NOTIFY_AT + record.runAt);
      }
    },

    async insert(record, idempotency) {
      if (idempotency !== undefined) {
        const idemKey = key("idem", record.name, idempotency.key);
        // The key is claimed before the record exists: of two racing inserts exactly one wins the
        // set-if-absent; the other returns the winner's id. The retry covers a key expiring in between.
        for (let round = 0; ; round++) {
          if (await kv.set(idemKey, record.id, { ifNotExists: true, ttlMs: idempotency.ttlMs })) break;
          const existing = await kv.get(idemKey);
          if (existing !== null) return existing;
          if (round === 1) throw new Error(`Could not claim idempotency key "${idempotency.key}"`);
        }
      }
      await queue.writeRecord(record);
      await queue.push(record, record.createdAt);
      return null;
    },

    async promoteDue(now, limit = 100) {
      const due = await kv.zrange(SCHEDULED, { max: now, limit });
      let moved = 0;
      for (const { member: id, score } of due) {
        // Guard first, then take: only the process whose zrem succeeds moves the task.
        await kv.zadd(LEASES, PROMOTION_GUARD + id, now + 60_000);
        if (!(await kv.zrem(SCHEDULED, id))) continue;
        const record = await queue.readRecord(id);
        if (record !== null) await kv.zadd(READY, id, readyScore(record.priority, score));
        await kv.zrem(LEASES, PROMOTION_GUARD + id);
        moved++;
      }
      if (moved > 0) await kv.publish(queue.channels.notify, NOTIFY_READY);
      return moved;
    },

    async claim(max, leaseMs, now) {
      const claims: Claim[] = [];
      const candidates = await kv.zrange(READY, { limit: max + CLAIM_LOOKAHEAD });
      for (const { member: id } of candidates) {
        if (claims.length >= max) break;
        // The lease goes in before the take, so a crash right after the zrem leaves a lapsing
        // lease behind instead of a lost task. zrem is the claim: exactly one caller gets true.
        // A loser leaves its lease entry; the reaper drops it after checking the record.
        await kv.zadd(LEASES, id, now + leaseMs);
        if (!(await kv.zrem(READY, id))) continue;
        const stored = await queue.readRecord(id);
        if (stored === null || stored.status !== "pending") {
          // A stale entry (finished, dead or expired task): dropping it was enough.
          await queue.releaseLease(id);
          continue;
        }
        const running = toRunning(stored, crypto.randomUUID(), now);
        await queue.writeRecord(running);
        claims.push({ stored, running });
      }
      return claims;
    },

    async saveOwned(record, token) {
      if (!(await isOwnedBy(record.id, token))) return false;
      await queue.writeRecord(record);
      return true;
    },

    async settle(record, token, effects = {}) {
      if (token !== undefined && !(await isOwnedBy(record.id, token))) return false;
      const now = Date.now();
      // Record and queue entry first, lease last: a crash in between leaves a lapsing lease, not a lost task.
      await queue.writeRecord(record, effects.ttlMs);
      if (effects.requeue) await queue.push(record, now);
      if (effects.deadLetter) await kv.zadd(DLQ, record.id, record.finishedAt ?? now);
      await queue.releaseLease(record.id);
      if (effects.slot !== undefined) await queue.releaseSlot(effects.slot, record.id);
      if (record.status === "completed" || record.status === "dead") await kv.publish(queue.channels.done, record.id);
      return true;
    },

    async settleAndClaim(record, token, effects, max, leaseMs) {
      const settled = await queue.settle(record, token, effects);
      return { settled, claims: max > 0 ? await queue.claim(max, leaseMs, Date.now()) : [] };
    },

    async renewLease(id, expiresAt, slot) {
      // A reaper that already took the lapsed lease must not see it come back.
      if ((await kv.zscore(LEASES, id)) === null) return false;
      await kv.zadd(LEASES, id, expiresAt);
      if (slot !== undefined && (await kv.zscore(slotKey(slot), id)) !== null)
        await kv.zadd(slotKey(slot), id, expiresAt);
      return true;
    },

    async releaseLease(id) {
      await kv.zrem(LEASES, id);
    },

    // Slots: add, then count. A holder keeps its slot only when the count it saw, itself included,
    // is within `max`; otherwise it removes itself. Two racing adders may both see too many and
    // both back off (a slot left idle for a moment), but never both stay: of any `max + 1` holders
    // that kept a slot, the last to add would have counted all of them and backed off. Slots of a
    // crashed worker stop heartbeating, fall behind `now` and are swept before every count.
    async acquireSlot(name, id, max, expiresAt, now) {
      const slots = slotKey(name);
      await kv.zremRangeByScore(slots, 0, now);
      await kv.zadd(slots, id, expiresAt);
      if ((await kv.zcard(slots)) <= max) return true;
      await kv.zrem(slots, id);
      return false;
    },

    async releaseSlot(name, id) {
      await kv.zrem(slotKey(name), id);
    },

    async takeLapsedLeases(now, limit = 100) {
      const lapsed = await kv.zrange(LEASES, { max: now, limit });
      const taken: Array<{ id: string; guard: boolean }> = [];
      for (const { member } of lapsed) {
        if (!(await kv.zrem(LEASES, member))) continue;
        const guard = member.startsWith(PROMOTION_GUARD);
        taken.push({ id: guard ? member.slice(PROMOTION_GUARD.length) : member, guard });
      }
      return taken;
    },

    async isQueued(id) {
      return (await kv.zscore(READY, id)) !== null || (await kv.zscore(SCHEDULED, id)) !== null;
    },

    async isLeased(id) {
      return (await kv.zscore(LEASES, id)) !== null;
    },

    async nextScheduledAt() {
      const [first] = await kv.zrange(SCHEDULED, { limit: 1 });
      return first?.score ?? null;
    },
  };
  return queue;
}
