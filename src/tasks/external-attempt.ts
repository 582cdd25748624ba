/**
 * Tasks delivered by a message queue outside covara (Cloudflare Queues): the queue carries a task
 * id and wakes a consumer; the record, its status, result, retry decision and the DLQ stay in the
 * KV under the same layout as every other backend. So `getTaskStatus`, `getTaskResult` and the
 * dead-letter list read the same, and a task dies after the same `maxAttempts`, with the same
 * backoff between attempts, as on Redis. The queue's own redelivery does the waiting.
 */
import type { KV } from "../kernel/kv";
import { computeBackoffDelay } from "./backoff";
import { createTaskQueue } from "./create-task-queue";
import { moveToDlq } from "./dlq";
import { checkInput } from "./enqueue";
import { describeFailure, TaskTimeoutError, unknownTaskError } from "./errors";
import { DEFAULT_KEY_PREFIX, newTaskId, type TaskQueue } from "./queue";
import type { TaskRegistry } from "./registry";
import type { AnyTaskDefinition, DeadLetter, TaskContext, TaskRecord } from "./types";

/** Where external attempts keep their records (the KV) and whom they tell about dead letters. */
export interface ExternalTaskOptions {
  /** Key prefix of the task records (default `covara:tasks:`, as the other backends). */
  keyPrefix?: string;
  /** Called once per task entering the DLQ; its errors are swallowed after `onError`. */
  onDlqEnqueue?: (letter: DeadLetter) => void | Promise<void>;
  onError?: (error: unknown) => void;
}

/** What the consumer should do with the message after an attempt. */
export type ExternalAttemptOutcome = { action: "ack" } | { action: "retry"; delayMs: number };

/** Validates the input and stores a pending record for a queue to deliver; returns its id. */
export async function recordExternalTask(
  kv: KV,
  task: AnyTaskDefinition,
  input: unknown,
  options: ExternalTaskOptions = {},
): Promise<string> {
  const stored = checkInput(task, input);
  const now = Date.now();
  const record: TaskRecord = {
    id: newTaskId(now),
    name: task.name,
    input: stored,
    status: "pending",
    attempt: 0,
    maxAttempts: task.retry.maxAttempts,
    priority: 0,
    runAt: now,
    createdAt: now,
  };
  await queueOf(kv, options).writeRecord(record);
  return record.id;
}

/**
 * Runs one delivery of task `id`: the handler (with its timeout), then the record written as
 * completed, as pending with the backoff to wait, or dead and filed in the DLQ. A delivery of a
 * task that already finished (a duplicate) or that no longer exists is acknowledged and skipped.
 */
export async function runExternalAttempt(
  kv: KV,
  registry: TaskRegistry,
  id: string,
  options: ExternalTaskOptions = {},
): Promise<ExternalAttemptOutcome> {
  const queue = queueOf(kv, options);
  const record = await queue.readRecord(id);
  if (record === null || record.status === "completed" || record.status === "dead") return { action: "ack" };
  const task = registry.get(record.name);
  const now = Date.now();
  record.attempt += 1;
  record.startedAt = now;
  record.status = "running";
  await queue.writeRecord(record);

  let failure: unknown;
  let result: unknown;
  if (task === undefined) failure = unknownTaskError(record.name);
  else {
    try {
      result = await attempt(task, record);
      JSON.stringify(result);
    } catch (error) {
      failure = error;
    }
  }
  const finishedAt = Date.now();
  if (failure === undefined && task !== undefined) {
    record.status = "completed";
    record.result = result;
    record.finishedAt = finishedAt;
    delete record.error;
    await queue.writeRecord(record, task.resultTtlMs);
    return { action: "ack" };
  }
  const reason = describeFailure(failure);
  // An unknown task cannot succeed on a later attempt: it dies now.
  if (task === undefined || record.attempt >= record.maxAttempts) {
    const letter = await moveToDlq(queue, record, reason, finishedAt);
    if (letter !== null) await notify(options, letter);
    return { action: "ack" };
  }
  const delayMs = computeBackoffDelay(task.retry, record.attempt);
  record.status = "pending";
  record.error = reason;
  record.runAt = finishedAt + delayMs;
  await queue.writeRecord(record);
  return { action: "retry", delayMs };
}

function queueOf(kv: KV, options: ExternalTaskOptions): TaskQueue {
  return createTaskQueue(kv, options.keyPrefix ?? DEFAULT_KEY_PREFIX);
}

/** The handler on the validated input, aborted (and rejected) after the task's timeout. */
async function attempt(task: AnyTaskDefinition, record: TaskRecord): Promise<unknown> {
  const controller = new AbortController();
  const timeoutMs = task.timeoutMs;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new TaskTimeoutError(task.name, timeoutMs)), timeoutMs);
  const ctx: TaskContext = {
    id: record.id,
    attempt: record.attempt,
    signal: controller.signal,
    // Progress lives only in memory here: the record is written once, when the attempt ends.
    async reportProgress(progress) {
      record.progress = progress;
    },
    async heartbeat() {},
  };
  try {
    const input: unknown = task.input.parse(record.input);
    return await new Promise((resolve, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      Promise.resolve()
        .then(() => task.handler(ctx, input))
        .then(resolve, reject);
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

async function notify(options: ExternalTaskOptions, letter: DeadLetter): Promise<void> {
  try {
    await options.onDlqEnqueue?.(letter);
  } catch (error) {
    options.onError?.(error);
  }
}
