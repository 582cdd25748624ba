/**
 * The queue's KV layout and its primitive moves, built only on the kernel KV interface so the same
 * code runs on the memory KV and on Redis.
 *
 * Layout under the prefix (default `covara:tasks:`):
 * - `task:{id}`            the task record, a JSON string; gets a TTL once the task finished
 * - `scheduled`            sorted set of pending tasks that are not due yet, scored by run time
 * - `ready`                sorted set of due tasks, scored by run time with priority folded in
 * - `leases`               sorted set of claimed tasks scored by lease expiry (renewed by heartbeats)
 * - `running:{name}`       per-task sorted set of concurrency slots scored by expiry
 * - `dlq`                  sorted set of dead task ids scored by when they died
 * - `idem:{name}:{key}`    idempotency key → task id
 * - `schedule:{key}` / `schedules`   recurring schedules and their next run times
 * - channels `notify` (a task became due) and `done` (a task finished)
 *
 * Every move that takes a task out of a set first writes a guard into `leases`, so a process that
 * dies between two KV calls leaves a lease that lapses; the reaper then looks at the record and puts
 * the task back. Nothing is lost, at the price of a possible second run (at-least-once).
 */
import type { KV } from "../kernel/kv";
import type { TaskRecord } from "./types";

export const DEFAULT_KEY_PREFIX = "covara:tasks:";
/** One priority step outweighs any run-time difference (1e13 ms is past the year 2286). */
const PRIORITY_WEIGHT = 1e13;
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
/** Marks a promotion guard in `leases`, distinct from a worker's lease (the bare id). */
const PROMOTION_GUARD = "promote:";

export interface TaskQueue {
  readonly kv: KV;
  readonly prefix: string;
  key(...parts: string[]): string;
  readonly channels: { notify: string; done: string };
  readRecord(id: string): Promise<TaskRecord | null>;
  writeRecord(record: TaskRecord, ttlMs?: number): Promise<void>;
  /** Puts a pending record in `ready` or `scheduled` by its run time and wakes the workers. */
  push(record: TaskRecord, now?: number): Promise<void>;
  /** Moves due tasks from `scheduled` to `ready`; returns how many moved. */
  promoteDue(now: number, limit?: number): Promise<number>;
  /** Claims one ready task for `leaseMs`; null when nothing is ready. */
  claim(leaseMs: number, now: number): Promise<string | null>;
  renewLease(id: string, expiresAt: number): Promise<boolean>;
  releaseLease(id: string): Promise<void>;
  /** Takes a concurrency slot of task `name` for `id`, or refuses when `max` are taken. */
  acquireSlot(name: string, id: string, max: number, expiresAt: number, now: number): Promise<boolean>;
  renewSlot(name: string, id: string, expiresAt: number): Promise<void>;
  releaseSlot(name: string, id: string): Promise<void>;
  /** Leases that lapsed before `now`, each removed (claimed) by this call. */
  takeLapsedLeases(now: number, limit?: number): Promise<Array<{ id: string; guard: boolean }>>;
  isQueued(id: string): Promise<boolean>;
  isLeased(id: string): Promise<boolean>;
  /** When the earliest scheduled task becomes due, or null. */
  nextScheduledAt(): Promise<number | null>;
}

let idCounter = 0;

/**
 * A new task id that sorts by creation time (then by a per-process counter), so due tasks with the
 * same score, which the sorted set orders by member, run first-in first-out.
 */
export function newTaskId(now = Date.now()): string {
  idCounter = (idCounter + 1) % 0x1000000;
  const random = crypto.getRandomValues(new Uint8Array(6));
  const tail = Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${now.toString(16).padStart(12, "0")}-${idCounter.toString(16).padStart(6, "0")}-${tail}`;
}

/** The score of a due task in `ready`: higher priority first, then earlier run time. */
export function readyScore(priority: number, runAt: number): number {
  return runAt - priority * PRIORITY_WEIGHT;
}

/** Binds the queue layout to a KV and a key prefix. */
export function createTaskQueue(kv: KV, prefix: string = DEFAULT_KEY_PREFIX): TaskQueue {
  const key = (...parts: string[]) => prefix + parts.join(":");
  const READY = key("ready");
  const SCHEDULED = key("scheduled");
  const LEASES = key("leases");
  const slotKey = (name: string) => key("running", name);

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
      if (record.runAt <= now) await kv.zadd(READY, record.id, readyScore(record.priority, record.runAt));
      else await kv.zadd(SCHEDULED, record.id, record.runAt);
      await kv.publish(queue.channels.notify, record.name);
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
      if (moved > 0) await kv.publish(queue.channels.notify, "");
      return moved;
    },

    async claim(leaseMs, now) {
      const candidates = await kv.zrange(READY, { limit: 8 });
      for (const { member: id } of candidates) {
        // The lease goes in before the take, so a crash right after the zrem leaves a lapsing
        // lease behind instead of a lost task. zrem is the claim: exactly one caller gets true.
        // A loser leaves its lease entry; the reaper drops it after checking the record.
        await kv.zadd(LEASES, id, now + leaseMs);
        if (await kv.zrem(READY, id)) return id;
      }
      return null;
    },

    async renewLease(id, expiresAt) {
      // A reaper that already took the lapsed lease must not see it come back.
      if ((await kv.zscore(LEASES, id)) === null) return false;
      await kv.zadd(LEASES, id, expiresAt);
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

    async renewSlot(name, id, expiresAt) {
      if ((await kv.zscore(slotKey(name), id)) !== null) await kv.zadd(slotKey(name), id, expiresAt);
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
