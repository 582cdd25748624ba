/**
 * The queue's KV layout and its moves, as one interface with two implementations: `kv-queue.ts`,
 * built only on the kernel KV interface (memory KV, any KV), and `redis-queue.ts`, which does the
 * hot moves as Lua scripts when the KV is the Redis KV. `create-task-queue.ts` picks one.
 *
 * Layout under the prefix (default `covara:tasks:`):
 * - `task:{id}`            the task record, a JSON string; gets a TTL once the task finished. (On
 *                          Redis a hash instead: the JSON under `record`, beside the `status`,
 *                          `priority` and `claim` fields the Lua scripts read; see redis-queue.ts.)
 * - `scheduled`            sorted set of pending tasks that are not due yet, scored by run time
 * - `ready`                sorted set of due tasks, scored by run time with priority folded in
 * - `leases`               sorted set of claimed tasks scored by lease expiry (renewed by heartbeats)
 * - `running:{name}`       per-task sorted set of concurrency slots scored by expiry
 * - `dlq`                  sorted set of dead task ids scored by when they died
 * - `dlq-claim:{id}`       "replay" or "purge": who acts on a dead letter (see dlq.ts)
 * - `idem:{name}:{key}`    idempotency key → task id
 * - `schedule:{key}` / `schedules`   recurring schedules and their next run times
 * - channels `notify` (`ready`: a task became due; `at:{ms}`: one was scheduled) and `done` (a
 *   task id that completed or died)
 *
 * Every move that takes a task out of a set first writes a guard into `leases`, so a process that
 * dies between two KV calls leaves a lease that lapses; the reaper then looks at the record and puts
 * the task back. Nothing is lost, at the price of a possible second run (at-least-once).
 */
import type { KV } from "../kernel/kv";
import type { TaskRecord } from "./types";

export const DEFAULT_KEY_PREFIX = "covara:tasks:";
/** One priority step outweighs any run-time difference (1e13 ms is past the year 2286). */
export const PRIORITY_WEIGHT = 1e13;
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
/** The `notify` message for "a task is due now". */
export const NOTIFY_READY = "ready";
/** The `notify` message for "a task is due at `ms`": `at:{ms}`. */
export const NOTIFY_AT = "at:";

/** A claimed task, already marked running for the claimer. */
export interface Claim {
  /** The record as it was stored when claimed (pending): what to write back to unclaim it. */
  stored: TaskRecord;
  /** The record as the attempt sees it: running, `attempt + 1`, `startedAt`, `claimToken`. */
  running: TaskRecord;
}

/** What ending an attempt's ownership does besides writing the record. */
export interface SettleEffects {
  /** TTL of the written record (a finished task's `resultTtlMs`). */
  ttlMs?: number;
  /** Put the (pending) task back in `ready` or `scheduled` by its run time. */
  requeue?: boolean;
  /** File the (dead) task in the DLQ. */
  deadLetter?: boolean;
  /** The task name whose concurrency slot the attempt held. */
  slot?: string;
}

export interface TaskQueue {
  readonly kv: KV;
  readonly prefix: string;
  key(...parts: string[]): string;
  readonly channels: { notify: string; done: string };
  readRecord(id: string): Promise<TaskRecord | null>;
  writeRecord(record: TaskRecord, ttlMs?: number): Promise<void>;
  /** Puts a pending record in `ready` or `scheduled` by its run time and wakes the workers. */
  push(record: TaskRecord, now?: number): Promise<void>;
  /**
   * Stores a new pending record and queues it. With an idempotency key, the first insert under the
   * key wins: a later one stores nothing and returns the winner's id. Returns null when inserted.
   */
  insert(record: TaskRecord, idempotency?: { key: string; ttlMs: number }): Promise<string | null>;
  /** Moves due tasks from `scheduled` to `ready`; returns how many moved. */
  promoteDue(now: number, limit?: number): Promise<number>;
  /**
   * Claims up to `max` ready tasks for `leaseMs` (highest priority, then oldest, first) and marks
   * them running, each under a new claim token. Stale entries (finished or expired tasks) are dropped.
   */
  claim(max: number, leaseMs: number, now: number): Promise<Claim[]>;
  /** Writes the record of an attempt `token` owns; false, writing nothing, when it no longer does. */
  saveOwned(record: TaskRecord, token: string): Promise<boolean>;
  /**
   * Ends an ownership: writes `record`, applies `effects`, frees the lease (and slot), and announces
   * a completed or dead task on `done`. With a `token`, does nothing and answers false when the
   * stored record is no longer that attempt's (the reaper or a stop took it over).
   */
  settle(record: TaskRecord, token: string | undefined, effects?: SettleEffects): Promise<boolean>;
  /**
   * `settle`, then `claim(max, leaseMs)` for the place the attempt frees, in one round trip where
   * the backend allows: a busy worker then costs about one call per task. The claim happens even
   * when the settle is refused (the place is free either way).
   */
  settleAndClaim(
    record: TaskRecord,
    token: string | undefined,
    effects: SettleEffects,
    max: number,
    leaseMs: number,
  ): Promise<{ settled: boolean; claims: Claim[] }>;
  /** Extends a held lease (and slot of task `slot`); false when the lease is gone (reaped). */
  renewLease(id: string, expiresAt: number, slot?: string): Promise<boolean>;
  releaseLease(id: string): Promise<void>;
  /** Takes a concurrency slot of task `name` for `id`, or refuses when `max` are taken. */
  acquireSlot(name: string, id: string, max: number, expiresAt: number, now: number): Promise<boolean>;
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
  // 48 random bits: a UUID's last group, which runtimes draw from a cached entropy pool.
  const tail = crypto.randomUUID().slice(-12);
  return `${now.toString(16).padStart(12, "0")}-${idCounter.toString(16).padStart(6, "0")}-${tail}`;
}

/** The running view of a pending record claimed at `now` under `token`. */
export function toRunning(stored: TaskRecord, token: string, now: number): TaskRecord {
  return { ...stored, status: "running", attempt: stored.attempt + 1, startedAt: now, claimToken: token };
}

/** The score of a due task in `ready`: higher priority first, then earlier run time. */
export function readyScore(priority: number, runAt: number): number {
  return runAt - priority * PRIORITY_WEIGHT;
}
