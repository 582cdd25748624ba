/**
 * The scheduler: the producer side of the queue (enqueue, recurring schedules, status and result
 * look-ups, dead letters), and the process-wide instance set up by `initializeTasks`.
 */
import { contextOf, type ContextSource } from "../kernel/context";
import type { KV } from "../kernel/kv";
import { parseCron, nextCronOccurrence } from "./cron";
import { listDeadLetters, purgeDeadLetter, replayDeadLetter } from "./dlq";
import { createTaskQueue } from "./create-task-queue";
import { checkInput, checkPriority, enqueueTask } from "./enqueue";
import { invalidOptionError, unknownTaskError } from "./errors";
import { DEFAULT_KEY_PREFIX, type TaskQueue } from "./queue";
import {
  deleteSchedule,
  DEFAULT_MISFIRE_GRACE_MS,
  fireDueSchedules,
  listSchedules,
  readSchedule,
  saveSchedule,
} from "./recurring";
import { getTaskRegistry, type TaskRegistry } from "./registry";
import { assertTimeZone } from "./timezone";
import type {
  AnyTaskDefinition,
  DeadLetter,
  EnqueueOptions,
  EnqueueResult,
  RecurringOptions,
  RecurringSchedule,
  TaskOutcome,
  TaskSnapshot,
} from "./types";

export interface TaskSchedulerOptions {
  /** Prefix of every KV key and channel (default `covara:tasks:`); workers must use the same. */
  keyPrefix?: string;
}

export interface TaskScheduler {
  readonly queue: TaskQueue;
  /** Validates the input against the task's schema and queues it. */
  enqueue(task: AnyTaskDefinition | string, input: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** Creates or replaces a recurring schedule; returns its key and first run time. */
  scheduleRecurring(
    task: AnyTaskDefinition | string,
    input: unknown,
    options: RecurringOptions,
  ): Promise<{ key: string; nextRunAt: number }>;
  unscheduleRecurring(key: string): Promise<boolean>;
  listRecurring(): Promise<RecurringSchedule[]>;
  /** Enqueues due recurring occurrences now (workers do this on every poll). */
  runDueSchedules(now?: number, graceMs?: number): Promise<number>;
  getTaskStatus(id: string): Promise<TaskSnapshot | null>;
  getTaskResult(id: string): Promise<TaskOutcome | null>;
  /** Resolves once the task completed or died; rejects after `timeoutMs` (default 30 s). */
  waitFor(id: string, options?: { timeoutMs?: number }): Promise<TaskOutcome>;
  listDeadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  replayDeadLetter(id: string): Promise<{ id: string } | null>;
  purgeDeadLetter(id: string): Promise<boolean>;
}

/** Creates a scheduler over a KV and a registry (most apps use `initializeTasks` instead). */
export function createTaskScheduler(
  kv: KV,
  registry: TaskRegistry = getTaskRegistry(),
  options: TaskSchedulerOptions = {},
): TaskScheduler {
  const queue = createTaskQueue(kv, options.keyPrefix ?? DEFAULT_KEY_PREFIX);

  function resolveTask(task: AnyTaskDefinition | string): AnyTaskDefinition {
    if (typeof task !== "string") {
      if (task?.kind !== "covara.task")
        throw invalidOptionError("task", "Pass a task made by defineTask(...) or its name");
      return task;
    }
    const found = registry.get(task);
    if (found === undefined) throw unknownTaskError(task);
    return found;
  }

  async function getTaskResult(id: string): Promise<TaskOutcome | null> {
    const record = await queue.readRecord(id);
    if (record === null) return null;
    if (record.status === "completed") return { id, status: "completed", result: record.result };
    if (record.status === "dead") return { id, status: "dead", error: record.error ?? "unknown failure" };
    return { id, status: record.status };
  }

  return {
    queue,
    enqueue: async (task, input, enqueueOptions) => enqueueTask(queue, resolveTask(task), input, enqueueOptions),

    async scheduleRecurring(taskOrName, input, recurring) {
      const task = resolveTask(taskOrName);
      const cron = parseCron(recurring.cron);
      const timezone = recurring.timezone ?? "UTC";
      assertTimeZone(timezone);
      const catchUp = recurring.catchUp ?? "skip";
      if (!["skip", "once", "all"].includes(catchUp)) {
        throw invalidOptionError("catchUp", `catchUp must be "skip", "once" or "all", got ${JSON.stringify(catchUp)}`);
      }
      const storedInput = checkInput(task, input);
      const key = recurring.key ?? task.name;
      const now = Date.now();
      const existing = await readSchedule(queue, key);
      // Rescheduling keeps the progress mark, so a redeploy neither repeats nor loses occurrences.
      const lastOccurrence = existing?.lastOccurrence ?? now;
      const nextRunAt = nextCronOccurrence(cron, lastOccurrence, timezone);
      if (nextRunAt === null) throw invalidOptionError("cron", `Cron expression "${recurring.cron}" never fires`);
      const schedule: RecurringSchedule = {
        key,
        task: task.name,
        input: storedInput,
        cron: recurring.cron,
        timezone,
        catchUp,
        priority: checkPriority(recurring.priority),
        lastOccurrence,
        nextRunAt,
      };
      await saveSchedule(queue, schedule);
      return { key, nextRunAt };
    },

    unscheduleRecurring: (key) => deleteSchedule(queue, key),
    listRecurring: () => listSchedules(queue),
    runDueSchedules: (now = Date.now(), graceMs = DEFAULT_MISFIRE_GRACE_MS) =>
      fireDueSchedules(queue, registry, now, graceMs),

    async getTaskStatus(id) {
      const record = await queue.readRecord(id);
      if (record === null) return null;
      const { claimToken: _token, ...snapshot } = record;
      return snapshot;
    },
    getTaskResult,

    async waitFor(id, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 30_000);
      let wake: (() => void) | undefined;
      const unsubscribe = await kv.subscribe(queue.channels.done, (message) => {
        if (message === id) wake?.();
      });
      try {
        for (;;) {
          const outcome = await getTaskResult(id);
          if (outcome === null) throw new Error(`waitFor: no task with id "${id}"`);
          if (outcome.status === "completed" || outcome.status === "dead") return outcome;
          const remaining = deadline - Date.now();
          if (remaining <= 0) throw new Error(`waitFor: task "${id}" still ${outcome.status} after the timeout`);
          // The notification makes it prompt; the poll covers a message that raced the read above.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(remaining, 100));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        await unsubscribe();
      }
    },

    listDeadLetters: (listOptions) => listDeadLetters(queue, listOptions),
    replayDeadLetter: (id) => replayDeadLetter(queue, id),
    purgeDeadLetter: (id) => purgeDeadLetter(queue, id),
  };
}

declare module "../kernel/context" {
  interface CovaraContext {
    /** The app's scheduler, set by `initializeTasks(kv, { app })`. */
    taskScheduler?: TaskScheduler;
  }
}

/**
 * Sets up the app's scheduler over `kv` with the app's registry; without `options.app`, the
 * default context's (the process-wide scheduler of `getTaskScheduler()`).
 */
export function initializeTasks(kv: KV, options: TaskSchedulerOptions & { app?: ContextSource } = {}): TaskScheduler {
  const { app, ...schedulerOptions } = options;
  const context = contextOf(app);
  context.taskScheduler = createTaskScheduler(kv, getTaskRegistry(context), schedulerOptions);
  return context.taskScheduler;
}

/** The app's scheduler (default: the process-wide one); throws until `initializeTasks(kv)` ran for it. */
export function getTaskScheduler(app?: ContextSource): TaskScheduler {
  const scheduler = contextOf(app).taskScheduler;
  if (scheduler === undefined) throw new Error("Tasks are not initialised: call initializeTasks(kv) first");
  return scheduler;
}

/** The status snapshot of a task (process-wide scheduler; an app's: `getTaskScheduler(app).getTaskStatus(id)`), or null when unknown or expired. */
export function getTaskStatus(id: string): Promise<TaskSnapshot | null> {
  return getTaskScheduler().getTaskStatus(id);
}

/** The outcome of a task (process-wide scheduler; an app's: `getTaskScheduler(app).getTaskResult(id)`), or null when unknown or expired. */
export function getTaskResult(id: string): Promise<TaskOutcome | null> {
  return getTaskScheduler().getTaskResult(id);
}
