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

/** Who holds a dead letter's claim: a replay or a purge. */
type ClaimHolder = "replay" | "purge";

/**
 * Claims a dead letter for a replay or a purge, so that the two never both act on it: the first
 * to write the claim (set-if-absent, atomic on every KV) owns the entry, a second caller of the
 * same kind goes on (racing replays stay idempotent, and a replay cut short by a crash is
 * completed by the next one), a caller of the other kind backs off. The claim outlives a crash by
 * as long as a replay's idempotency key does, and is removed once the entry left the DLQ.
 */
async function claimDeadLetter(queue: TaskQueue, id: string, holder: ClaimHolder): Promise<boolean> {
  const key = queue.key("dlq-claim", id);
  if (await queue.kv.set(key, holder, { ifNotExists: true, ttlMs: DEFAULT_RESULT_TTL_MS })) return true;
  // Null: the other holder finished (and the entry left the DLQ) between the two calls.
  return (await queue.kv.get(key)) === holder;
}

/**
 * Enqueues a dead task again with fresh attempts; returns the new id, or null when the id is not
 * (or no longer) in the DLQ, or a purge claimed it first. The replay is inserted under an
 * idempotency key named after the dead task, and the dead task leaves the DLQ last: repeated or
 * racing replays make one task, exactly one of racing callers gets its id (the others null), and
 * a replay cut short by a crash is completed by the next call instead of being lost. A replay and
 * a purge racing for one entry both claim it first (`claimDeadLetter`): it is either replayed or
 * purged, never both, never neither.
 */
export async function replayDeadLetter(queue: TaskQueue, id: string, now = Date.now()): Promise<{ id: string } | null> {
  if ((await queue.kv.zscore(queue.key("dlq"), id)) === null) return null;
  if (!(await claimDeadLetter(queue, id, "replay"))) return null;
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
  // Taking the DLQ entry settles racing replays: ZREM is atomic on every KV (one process step in
  // memory, one command on Redis), so exactly one removes it and reports the replay; the rest get
  // null, even one whose insert made the task (the winner reports that same id).
  const won = await queue.kv.zrem(queue.key("dlq"), id);
  // The entry has left the DLQ either way, so no purge can want the claim any more.
  await queue.kv.delete(queue.key("dlq-claim", id));
  return won ? { id: replayId } : null;
}

/**
 * Removes a dead task and its record for good; false when it was not in the DLQ, or a replay
 * claimed it first (see `replayDeadLetter`).
 */
export async function purgeDeadLetter(queue: TaskQueue, id: string): Promise<boolean> {
  if ((await queue.kv.zscore(queue.key("dlq"), id)) === null) return false;
  if (!(await claimDeadLetter(queue, id, "purge"))) return false;
  const won = await queue.kv.zrem(queue.key("dlq"), id);
  if (won) await queue.kv.delete(queue.key("task", id));
  await queue.kv.delete(queue.key("dlq-claim", id));
  return won;
}
