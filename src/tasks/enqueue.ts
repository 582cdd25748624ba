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
    throw invalidOptionError(
      "priority",
      `priority must be an integer in [${MIN_PRIORITY}, ${MAX_PRIORITY}], got ${priority}`,
    );
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

/** Checks the idempotency options; undefined when no key was given. */
function checkIdempotency(options: EnqueueOptions): { key: string; ttlMs: number } | undefined {
  const key = options.idempotencyKey;
  if (key === undefined) return undefined;
  if (typeof key !== "string" || key.length === 0 || key.length > 256) {
    throw invalidOptionError("idempotencyKey", "idempotencyKey must be a string of 1-256 characters");
  }
  const ttlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw invalidOptionError("idempotencyTtlMs", `idempotencyTtlMs must be a positive number, got ${ttlMs}`);
  }
  return { key, ttlMs };
}

/**
 * Validates the input against the task's schema, then checks that what the handler will receive —
 * the input after a JSON round trip — still passes, so a `Date` or a `Map` is refused now rather
 * than failing every attempt later. Returns the stored form.
 */
export function checkInput(task: AnyTaskDefinition, input: unknown): unknown {
  const parsed = task.input.safeParse(input);
  if (!parsed.success) throw invalidInputError(task.name, parsed.error);
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch (error) {
    throw invalidOptionError("input", `Task input must be JSON-serialisable: ${(error as Error).message}`);
  }
  const stored: unknown = json === undefined ? undefined : JSON.parse(json);
  const reparsed = task.input.safeParse(stored);
  if (!reparsed.success) {
    const issue = reparsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at "${issue.path.map(String).join(".")}"`;
    throw invalidOptionError(
      "input",
      `Task input must survive JSON serialisation, which changes it${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  return stored;
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
  const stored = checkInput(task, input);
  const id = newTaskId(now);
  const idempotency = checkIdempotency(options);
  const record: TaskRecord = {
    id,
    name: task.name,
    input: stored,
    status: "pending",
    attempt: 0,
    maxAttempts: task.retry.maxAttempts,
    priority,
    runAt,
    createdAt: now,
    ...extra,
  };
  if (idempotency !== undefined) record.idempotencyKey = options.idempotencyKey;
  const holder = await queue.insert(record, idempotency);
  return holder === null ? { id, deduplicated: false } : { id: holder, deduplicated: true };
}
