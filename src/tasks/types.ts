/**
 * The shared types of the task system: definitions, handler context, stored records and options.
 */
import type { z } from "zod";

export type BackoffKind = "exponential" | "linear" | "fixed";

/** How a failed attempt is retried. */
export interface RetryPolicy {
  /** Total attempts including the first (default 1: no retry). */
  maxAttempts: number;
  backoff: BackoffKind;
  /** Base delay in ms (default 1000). */
  delayMs?: number;
  /** Upper bound on one delay in ms (default 1 hour). */
  maxDelayMs?: number;
  /** Spread each delay randomly by up to this fraction (0–1, default 0: none). */
  jitter?: number;
}

/** What a handler receives besides its input. */
export interface TaskContext {
  id: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** Aborted on timeout, on a lost lease, or when the worker stops without draining. */
  signal: AbortSignal;
  /** Stores progress on the task record (readable through `getTaskStatus`). */
  reportProgress(progress: number | Record<string, unknown>): Promise<void>;
  /** Renews the lease now; long synchronous stretches should call it between steps. */
  heartbeat(): Promise<void>;
}

/**
 * The definition `defineTask` takes: the payload schema, the handler, retries and limits.
 *
 * @example
 * ```ts
 * export const sendWelcome = defineTask({
 *   name: "send-welcome",
 *   input: z.object({ userId: z.string() }),
 *   retry: { maxAttempts: 3, backoff: "exponential" },
 *   handler: async (ctx, input) => mailer.welcome(input.userId, { signal: ctx.signal }),
 * });
 * ```
 */
export interface TaskConfig<S extends z.ZodType, R> {
  name: string;
  input: S;
  retry?: RetryPolicy;
  /** Most attempts of this task running at once, across every worker of every process. */
  maxConcurrency?: number;
  /** An attempt running longer fails with a timeout (and its signal aborts). */
  timeoutMs?: number;
  /**
   * How long a finished task's record and result stay readable.
   * @default 24 h
   */
  resultTtlMs?: number;
  handler: (ctx: TaskContext, input: z.output<S>) => Promise<R> | R;
}

/** A defined task: its config with defaults applied. */
export interface TaskDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly kind: "covara.task";
  readonly name: string;
  readonly input: S;
  readonly retry: Required<RetryPolicy>;
  readonly maxConcurrency: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly resultTtlMs: number;
  readonly handler: (ctx: TaskContext, input: z.output<S>) => Promise<R> | R;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskDefinition = TaskDefinition<any, any>;

export type TaskStatus = "pending" | "running" | "completed" | "dead";

/** The JSON record stored per task under `task:{id}`. */
export interface TaskRecord {
  id: string;
  name: string;
  /** The raw input as enqueued (validated then; parsed again before each attempt). */
  input: unknown;
  status: TaskStatus;
  /** Attempts started so far. */
  attempt: number;
  maxAttempts: number;
  priority: number;
  /** When the task (or its next attempt) may run, epoch ms. */
  runAt: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: unknown;
  /** The reason of the last failed attempt. */
  error?: string;
  progress?: number | Record<string, unknown>;
  idempotencyKey?: string;
  /** The dead task this one replays, and the chain of earlier ones (oldest first). */
  replayOf?: string;
  lineage?: string[];
  /** Set when a dead task was replayed: the new task's id. */
  replayedAs?: string;
  /** The recurring schedule and occurrence that produced it. */
  schedule?: { key: string; occurrence: number };
  /** Times a worker died (its lease lapsed) while running this task. */
  lapses?: number;
  /** Identifies the attempt in flight so a worker that lost its lease cannot overwrite a newer one. */
  claimToken?: string;
}

/** A snapshot for callers: the record without internal fields. */
export type TaskSnapshot = Omit<TaskRecord, "claimToken">;

/** The outcome of a task, or where it is on its way there. */
export type TaskOutcome =
  | { id: string; status: "completed"; result: unknown }
  | { id: string; status: "dead"; error: string }
  | { id: string; status: "pending" | "running" };

export interface EnqueueOptions {
  delayMs?: number;
  runAt?: Date | number;
  /** A second enqueue with the same key (per task name) returns the first task's id. */
  idempotencyKey?: string;
  /** How long the idempotency key is remembered (default 24 h). */
  idempotencyTtlMs?: number;
  /** Integer in [-100, 100]; higher runs first among due tasks (default 0). */
  priority?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when an earlier enqueue with the same idempotency key already created the task. */
  deduplicated: boolean;
}

export type CatchUpPolicy = "skip" | "once" | "all";

export interface RecurringOptions {
  cron: string;
  /** IANA time zone the cron fields are read in (default "UTC"). */
  timezone?: string;
  /** What to do with occurrences missed while no worker ran (default "skip"). */
  catchUp?: CatchUpPolicy;
  /** Names the schedule (default: the task name); scheduling the same key again replaces it. */
  key?: string;
  priority?: number;
}

/** A stored recurring schedule. */
export interface RecurringSchedule {
  key: string;
  task: string;
  input: unknown;
  cron: string;
  timezone: string;
  catchUp: CatchUpPolicy;
  priority: number;
  /** The last occurrence handled (enqueued or skipped), epoch ms. */
  lastOccurrence: number;
  nextRunAt: number;
}

/** What the dead-letter hook and listing report. */
export interface DeadLetter {
  id: string;
  name: string;
  input: unknown;
  error: string;
  attempts: number;
  failedAt: number;
  replayOf?: string;
}
