/**
 * The task backend on a Durable Object: the task queue lives in the object's SQLite storage (the
 * same layout as on Redis or any KV) and the object's alarm is the scheduler. A Worker enqueues
 * through the object's KV protocol with the ordinary scheduler (`createDurableObjectTaskScheduler`);
 * after every command the object arms its alarm for the earliest work (a due task now, a delayed
 * task or retry at its run time, a recurring occurrence at its time), and `alarm()` runs what is
 * due, with the retries, backoff, DLQ and replays of every other backend. Nothing lives only in
 * memory: an object evicted or reset mid-task starts again from storage, puts the interrupted
 * attempts back (uncharged, their lapse counted, dead after `maxLapses`) and re-arms the alarm.
 *
 * Bind it with `new_sqlite_classes` (see docs/workers.md#background-tasks-on-a-durable-object).
 */
import { defaultLogger } from "../kernel/context";
import type { KV } from "../kernel/kv";
import { type DeadLetter, getTaskRegistry, type TaskRegistry } from "../tasks";
import {
  createTaskQueue,
  DEFAULT_KEY_PREFIX,
  DEFAULT_MISFIRE_GRACE_MS,
  nextTaskWakeAt,
  reapLapsedLeases,
  runTaskPass,
  type TaskPassSettings,
} from "../tasks/port";
import type { DurableObjectContext } from "./cloudflare-types";
import { CovaraKVDurableObject } from "./kv-durable-object";
import { COMMAND_PATH } from "./kv-protocol";
import { createObjectKV } from "./object-kv";

/** Options of `createTaskDurableObject`. */
export interface TaskDurableObjectOptions<Env = unknown> {
  /** Must match the scheduler's. @default `covara:tasks:` */
  keyPrefix?: string;
  /** Attempts running at once in the object. @default 4 */
  concurrency?: number;
  /**
   * Attempts one alarm starts at most; more due tasks run in the next alarm, set for at once. Keeps
   * one alarm invocation's CPU time bounded. @default 100
   */
  maxAttemptsPerAlarm?: number;
  /** How long a claim holds without a heartbeat (heartbeats run while the handler does). @default 30 s */
  leaseMs?: number;
  /**
   * Times an attempt may be cut short by the object's reset or eviction before the task is
   * dead-lettered (a task that exceeds the CPU limit every time ends in the DLQ, not in a loop).
   * @default 3
   */
  maxLapses?: number;
  /** Grace for catch-up "skip" schedules. @default 60 s */
  scheduleGraceMs?: number;
  /** Delay before retrying a task whose `maxConcurrency` was full. @default 100 ms */
  concurrencyRetryMs?: number;
  /** Called once per task entering the DLQ; its errors go to `onError`. */
  onDlqEnqueue?: (letter: DeadLetter, env: Env) => void | Promise<void>;
  /** Infrastructure errors (a failed alarm pass, a hook that threw). @default the default logger */
  onError?: (error: unknown) => void;
}

/** First delay before a failed alarm pass is tried again; doubles per failure up to a minute. */
const PASS_RETRY_MS = 1000;
const MAX_PASS_RETRY_MS = 60_000;

/** A task Durable Object class: a `CovaraKVDurableObject` whose alarm also runs tasks. */
export type TaskDurableObjectClass<Env = unknown> = new (ctx: DurableObjectContext, env: Env) => CovaraKVDurableObject;

/**
 * Creates the task Durable Object class over a registry, or over a function of the Worker's `env`
 * that builds one (for handlers that need bindings). Export the result from the Worker's entry
 * module under the `class_name` of its binding.
 */
export function createTaskDurableObject<Env = unknown>(
  registry: TaskRegistry | ((env: Env) => TaskRegistry),
  options: TaskDurableObjectOptions<Env> = {},
): TaskDurableObjectClass<Env> {
  const settings = resolveOptions(options);
  const report = options.onError ?? ((error: unknown) => defaultLogger().error("covara tasks:", error));

  return class CovaraTaskDurableObject extends CovaraKVDurableObject {
    private readonly tasks: TaskPassSettings;
    private readonly kv: KV;
    private failedPasses = 0;
    /** Set once start-up recovery succeeded; until then every alarm tries it first. */
    private recovered = false;

    constructor(ctx: DurableObjectContext, env: Env) {
      super(ctx, env);
      this.kv = createObjectKV(this.store, {
        publish: (channel, message) => void this.publish(channel, message),
        expiresIn: (ttlMs) => this.scheduleSweep(Date.now() + ttlMs),
      });
      const queue = createTaskQueue(this.kv, settings.keyPrefix);
      this.tasks = {
        ...settings,
        queue,
        registry: typeof registry === "function" ? registry(env) : registry,
        report,
        notifyDlq: async (letter) => {
          try {
            await options.onDlqEnqueue?.(letter, env);
          } catch (error) {
            report(error);
          }
        },
      };
      void ctx.blockConcurrencyWhile(async () => {
        await this.started;
        await this.recover();
      });
    }

    override async fetch(request: Request): Promise<Response> {
      const response = await super.fetch(request);
      // A command may have queued a task, a retry or a schedule: the alarm must cover it.
      if (response.ok && new URL(request.url).pathname === COMMAND_PATH) await this.planAlarm(() => {});
      return response;
    }

    override async alarm(): Promise<void> {
      await super.alarm();
      if (!this.recovered) await this.recover();
      try {
        await runTaskPass(this.tasks);
        this.failedPasses = 0;
      } catch (error) {
        // Never rethrown: the runtime's own alarm retries would give up after six. The pass is
        // tried again later, backing off, and what it could not do stays in storage.
        report(error);
        this.failedPasses++;
        const delay = Math.min(MAX_PASS_RETRY_MS, PASS_RETRY_MS * 2 ** (this.failedPasses - 1));
        await this.armAlarm(Date.now() + delay);
        return;
      }
      await this.planAlarm(report);
    }

    /**
     * Start-up after an eviction or reset: no attempt of an earlier instance can still run, so
     * every lease lapses now and the reaper puts those tasks back (or dead-letters a task that
     * has now cut short `maxLapses` attempts); then the alarm is armed for what waits.
     */
    private async recover(): Promise<void> {
      try {
        const { queue } = this.tasks;
        const leases = queue.key("leases");
        const now = Date.now();
        for (;;) {
          const held = await this.kv.zrange(leases, { min: now, minExclusive: true, limit: 100 });
          if (held.length === 0) break;
          for (const { member } of held) await this.kv.zadd(leases, member, now);
        }
        // 100 leases per round; the bound only guards against a store that will not shrink.
        for (let round = 0; round < 1000 && (await this.kv.zcard(leases)) > 0; round++) {
          await reapLapsedLeases(queue, now, this.tasks.maxLapses, this.tasks.notifyDlq);
        }
        this.recovered = true;
        await this.planAlarm(report);
      } catch (error) {
        // A failure here must not reset the object into a loop: the next alarm retries it.
        report(error);
        await this.armAlarm(Date.now() + PASS_RETRY_MS);
      }
    }

    private async planAlarm(reportSkipped: (error: unknown) => void): Promise<void> {
      const { queue, registry } = this.tasks;
      const at = await nextTaskWakeAt(queue, registry, reportSkipped);
      if (at !== null) await this.armAlarm(at);
    }
  };
}

/**
 * The task Durable Object over the default registry (`getTaskRegistry()`): the tasks the entry
 * module registers at import. Export it as is (`export { CovaraTaskDurableObject } from
 * "covara/workers"`), or call `createTaskDurableObject` for a registry built from `env` or options.
 */
export const CovaraTaskDurableObject: TaskDurableObjectClass = createTaskDurableObject(() => getTaskRegistry());

type ResolvedOptions = Omit<TaskPassSettings, "queue" | "registry" | "notifyDlq" | "report"> & { keyPrefix: string };

function resolveOptions(options: TaskDurableObjectOptions<never>): ResolvedOptions {
  const leaseMs = options.leaseMs ?? 30_000;
  const resolved: ResolvedOptions = {
    keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    concurrency: options.concurrency ?? 4,
    maxAttemptsPerPass: options.maxAttemptsPerAlarm ?? 100,
    leaseMs,
    heartbeatIntervalMs: Math.max(10, Math.floor(leaseMs / 3)),
    maxLapses: options.maxLapses ?? 3,
    scheduleGraceMs: options.scheduleGraceMs ?? DEFAULT_MISFIRE_GRACE_MS,
    concurrencyRetryMs: options.concurrencyRetryMs ?? 100,
  };
  const counts = {
    concurrency: resolved.concurrency,
    maxAttemptsPerAlarm: resolved.maxAttemptsPerPass,
    maxLapses: resolved.maxLapses,
  };
  for (const [field, value] of Object.entries(counts)) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new TypeError(`createTaskDurableObject: ${field} must be an integer >= 1, got ${value}`);
    }
  }
  for (const field of ["leaseMs", "scheduleGraceMs", "concurrencyRetryMs"] as const) {
    if (!(Number.isFinite(resolved[field]) && resolved[field] > 0)) {
      throw new TypeError(`createTaskDurableObject: ${field} must be a positive number, got ${resolved[field]}`);
    }
  }
  return resolved;
}
