/**
 * The dead-letter queue: tasks that used up their attempts, kept until replayed or purged.
 * A replay is a new task with the same input whose record names the dead one (`replayOf`) and the
 * whole chain before it (`lineage`).
 */
import { DEFAULT_RESULT_TTL_MS } from "./define-task";
import { newTaskId, type SettleEffects, type TaskQueue } from "./queue";
import type { DeadLetter, TaskRecord } from "./types";

/** Called once per task entering the DLQ (alerting); its errors are reported, never rethrown. */
export type DlqHook = (entry: DeadLetter) => void | Promise<void>;

function toDeadLetter(record: TaskRecord): DeadLetter {
  const entry: DeadLetter = {
    id: record.id,
    name: record.name,
    input: record.input,
    error: record.error ?? "unknown failure",
    attempts: record.attempt,
    failedAt: record.finishedAt ?? 0,
  };
  if (record.replayOf !== undefined) entry.replayOf = record.replayOf;
  return entry;
}

/**
 * Marks the record dead and files it in the DLQ (the record keeps no TTL while there), freeing the
 * attempt's lease and slot. With the attempt's `token`, does nothing and returns null when the
 * attempt no longer owns the task.
 */
export async function moveToDlq(
  queue: TaskQueue,
  record: TaskRecord,
  reason: string,
  now: number,
  owner: { token?: string; slot?: string } = {},
): Promise<DeadLetter | null> {
  record.status = "dead";
  record.error = reason;
  record.finishedAt = now;
  delete record.claimToken;
  const effects: SettleEffects = { deadLetter: true };
  if (owner.slot !== undefined) effects.slot = owner.slot;
  if (!(await queue.settle(record, owner.token, effects))) return null;
  return toDeadLetter(record);
}

/** Dead letters, oldest first. */
export async function listDeadLetters(queue: TaskQueue, options: { limit?: number } = {}): Promise<DeadLetter[]> {
  const entries = await queue.kv.zrange(queue.key("dlq"), { limit: options.limit ?? 100 });
  const letters: DeadLetter[] = [];
  for (const { member } of entries) {
    const record = await queue.readRecord(member);
    if (record !== null) letters.push(toDeadLetter(record));
  }
  return letters;
}

/**
 * Enqueues a dead task again with fresh attempts; returns the new id, or null when the id is not
 * (or no longer) in the DLQ. The replay is inserted under an idempotency key named after the dead
 * task, and the dead task leaves the DLQ last: repeated or racing replays make one task, exactly
 * one of racing callers gets its id (the others null), and a replay cut short by a crash is
 * completed by the next call instead of being lost.
 */
export async function replayDeadLetter(queue: TaskQueue, id: string, now = Date.now()): Promise<{ id: string } | null> {
  if ((await queue.kv.zscore(queue.key("dlq"), id)) === null) return null;
  const dead = await queue.readRecord(id);
  if (dead === null) return null;
  const replay: TaskRecord = {
    id: newTaskId(now),
    name: dead.name,
    input: dead.input,
    status: "pending",
    attempt: 0,
    maxAttempts: dead.maxAttempts,
    priority: dead.priority,
    runAt: now,
    createdAt: now,
    replayOf: dead.id,
    lineage: [...(dead.lineage ?? []), dead.id],
  };
  const holder = await queue.insert(replay, { key: `replay:${id}`, ttlMs: DEFAULT_RESULT_TTL_MS });
  const replayId = holder ?? replay.id;
  dead.replayedAs = replayId;
  await queue.writeRecord(dead, DEFAULT_RESULT_TTL_MS);
  // Taking the DLQ entry is the claim: ZREM is atomic on every KV (one process step in memory, one
  // command on Redis), so of any number of racing callers exactly one removes it and reports the
  // replay; the rest get null, even one whose insert made the task (the winner reports that same id).
  if (!(await queue.kv.zrem(queue.key("dlq"), id))) return null;
  return { id: replayId };
}

/** Removes a dead task and its record for good; false when it was not in the DLQ. */
export async function purgeDeadLetter(queue: TaskQueue, id: string): Promise<boolean> {
  if (!(await queue.kv.zrem(queue.key("dlq"), id))) return false;
  await queue.kv.delete(queue.key("task", id));
  return true;
}
