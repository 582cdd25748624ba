/**
 * Turning an enqueue call into a stored, queued task record: option checks, input validation,
 * idempotency keys.
 */
import { invalidInputError, invalidOptionError } from "./errors";
import { MAX_PRIORITY, MIN_PRIORITY, newTaskId, type TaskQueue } from "./queue";
import type { AnyTaskDefinition, EnqueueOptions, EnqueueResult, TaskRecord } from "./types";

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Checks the priority option; returns it or the default 0. */
export function checkPriority(priority: number | undefined): number {
  if (priority === undefined) return 0;
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw invalidOptionError("priority", `priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`);
  }
  return priority;
}

function resolveRunAt(options: EnqueueOptions, now: number): number {
  if (options.runAt !== undefined && options.delayMs !== undefined) {
    throw invalidOptionError("runAt", "pass either runAt or delayMs, not both");
  }
  if (options.delayMs !== undefined) {
    if (!Number.isFinite(options.delayMs) || options.delayMs < 0) {
      throw invalidOptionError("delayMs", `delayMs must be a non-negative number, got ${options.delayMs}`);
    }
    return now + options.delayMs;
  }
  if (options.runAt !== undefined) {
    const at = options.runAt instanceof Date ? options.runAt.getTime() : options.runAt;
    if (!Number.isFinite(at)) throw invalidOptionError("runAt", "runAt must be a valid Date or epoch ms");
    return at;
  }
  return now;
}

/** Validates and stores a task, then queues it; an existing idempotency key returns its task instead. */
export async function enqueueTask(
  queue: TaskQueue,
  task: AnyTaskDefinition,
  input: unknown,
  options: EnqueueOptions = {},
  extra: Pick<TaskRecord, "schedule"> = {},
  now = Date.now(),
): Promise<EnqueueResult> {
  const priority = checkPriority(options.priority);
  const runAt = resolveRunAt(options, now);
  const parsed = task.input.safeParse(input);
  if (!parsed.success) throw invalidInputError(task.name, parsed.error);
  try {
    JSON.stringify(input);
  } catch (error) {
    throw invalidOptionError("input", `Task input must be JSON-serialisable: ${(error as Error).message}`);
  }
  const id = newTaskId(now);
  if (options.idempotencyKey !== undefined) {
    const key = options.idempotencyKey;
    if (typeof key !== "string" || key.length === 0 || key.length > 256) {
      throw invalidOptionError("idempotencyKey", "idempotencyKey must be a string of 1-256 characters");
    }
    const idemKey = queue.key("idem", task.name, key);
    const ttlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    // The key is claimed before the record exists: of two racing enqueues exactly one wins the
    // set-if-absent; the other returns the winner's id. The retry covers a key expiring in between.
    for (let round = 0; round < 2; round++) {
      if (await queue.kv.set(idemKey, id, { ifNotExists: true, ttlMs })) break;
      const existing = await queue.kv.get(idemKey);
      if (existing !== null) return { id: existing, deduplicated: true };
      if (round === 1) throw new Error(`Could not claim idempotency key "${key}"`);
    }
  }
  const record: TaskRecord = {
    id,
    name: task.name,
    input,
    status: "pending",
    attempt: 0,
    maxAttempts: task.retry.maxAttempts,
    priority,
    runAt,
    createdAt: now,
    ...extra,
  };
  if (options.idempotencyKey !== undefined) record.idempotencyKey = options.idempotencyKey;
  await queue.writeRecord(record);
  await queue.push(record, now);
  return { id, deduplicated: false };
}
