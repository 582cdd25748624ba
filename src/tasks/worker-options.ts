/**
 * The worker pool's options, their defaults (in one place), and the public handle it returns.
 */
import type { DlqHook } from "./dlq";
import { DEFAULT_KEY_PREFIX } from "./queue";
import { DEFAULT_MISFIRE_GRACE_MS } from "./recurring";
import { defaultLogger } from "../kernel/context";

/**
 * Options of `startTaskWorkers`: the KV, concurrency, polling, leases and retries of the workers.
 *
 * @example
 * ```ts
 * const worker = await startTaskWorkers(kv, getTaskRegistry(), 4, { pollIntervalMs: 500, leaseMs: 60_000 });
 * ```
 */
export interface TaskWorkerOptions {
  /**
   * Must match the scheduler's.
   * @default `covara:tasks:`
   */
  keyPrefix?: string;
  /**
   * Fallback poll for due work, lapsed leases and schedules.
   * @default 1000 ms
   */
  pollIntervalMs?: number;
  /**
   * How long a claim holds without a heartbeat.
   * @default 30 s
   */
  leaseMs?: number;
  /** @default a third of `leaseMs` */
  heartbeatIntervalMs?: number;
  /**
   * Delay before retrying a task whose `maxConcurrency` was full.
   * @default 100 ms, jittered
   */
  concurrencyRetryMs?: number;
  /**
   * Lapsed leases (worker crashes) a task may cause before it is dead-lettered.
   * @default 3
   */
  maxLapses?: number;
  /**
   * Grace for catch-up "skip" schedules.
   * @default 60 s
   */
  scheduleGraceMs?: number;
  onDlqEnqueue?: DlqHook;
  /**
   * Infrastructure errors (KV failures, hook errors).
   * @default the default context's logger (over the console)
   */
  onError?: (error: unknown) => void;
}

export interface TaskWorker {
  readonly id: string;
  readonly concurrency: number;
  /** Attempts in flight in this pool. */
  readonly active: number;
  /** Stops claiming and resolves once the attempts in flight have finished; `resume()` undoes it. */
  drain(): Promise<void>;
  resume(): void;
  /**
   * Stops the pool. With `drain: true` attempts in flight finish first. Otherwise they are aborted
   * and handed back to the queue uncharged, unless `release: false`, which only walks away (as a
   * crashed process would) and leaves their leases to lapse.
   */
  stop(options?: { drain?: boolean; release?: boolean }): Promise<void>;
  /** Runs one maintenance pass now: reap, promote, fire schedules, claim. */
  tick(): Promise<void>;
}

/** The options with every default filled in. */
export interface WorkerSettings {
  keyPrefix: string;
  pollIntervalMs: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  concurrencyRetryMs: number;
  maxLapses: number;
  scheduleGraceMs: number;
  onDlqEnqueue: DlqHook | undefined;
  report: (error: unknown) => void;
}

/** Fills in the defaults and refuses settings that cannot work. */
export function resolveWorkerSettings(options: TaskWorkerOptions): WorkerSettings {
  const leaseMs = options.leaseMs ?? 30_000;
  const settings: WorkerSettings = {
    keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    leaseMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.max(10, Math.floor(leaseMs / 3)),
    concurrencyRetryMs: options.concurrencyRetryMs ?? 100,
    maxLapses: options.maxLapses ?? 3,
    scheduleGraceMs: options.scheduleGraceMs ?? DEFAULT_MISFIRE_GRACE_MS,
    onDlqEnqueue: options.onDlqEnqueue,
    report: options.onError ?? ((error: unknown) => defaultLogger().error("covara tasks:", error)),
  };
  for (const field of [
    "pollIntervalMs",
    "leaseMs",
    "heartbeatIntervalMs",
    "concurrencyRetryMs",
    "maxLapses",
  ] as const) {
    if (!(Number.isFinite(settings[field]) && settings[field] > 0)) {
      throw new TypeError(`startTaskWorkers: ${field} must be a positive number, got ${settings[field]}`);
    }
  }
  if (settings.heartbeatIntervalMs >= settings.leaseMs) {
    throw new TypeError("startTaskWorkers: heartbeatIntervalMs must be shorter than leaseMs, or every lease lapses");
  }
  return settings;
}
