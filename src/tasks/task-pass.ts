/**
 * One pass over due task work, for hosts that have no long-running process but a timer they can
 * arm (a Durable Object's alarm): the worker pool's maintenance (reap, promote, fire schedules),
 * then attempts, run by the same code as every worker pool (`startAttempt`: timeout, progress,
 * backoff, the DLQ), on the same queue layout. What differs is only the clock: the host calls
 * `runTaskPass` when its timer fires, and `nextTaskWakeAt` says when it must fire next.
 */
import { admitClaim } from "./admit-claim";
import type { Claim, TaskQueue } from "./queue";
import { reapLapsedLeases } from "./reaper";
import { fireDueSchedules, readSchedule } from "./recurring";
import type { TaskRegistry } from "./registry";
import type { DeadLetter } from "./types";
import { startAttempt, type AttemptEnv } from "./worker-attempt";

/** What a pass needs: the queue on the object's store, the registry, and the limits. */
export interface TaskPassSettings {
  queue: TaskQueue;
  registry: TaskRegistry;
  /** Attempts running at once within the pass. */
  concurrency: number;
  /** Attempts one pass starts at most; the rest wait for the next pass (`nextTaskWakeAt` says now). */
  maxAttemptsPerPass: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  maxLapses: number;
  scheduleGraceMs: number;
  /** Delay before retrying a task whose `maxConcurrency` was full. */
  concurrencyRetryMs: number;
  notifyDlq: (letter: DeadLetter) => Promise<void>;
  report: (error: unknown) => void;
}

/** Due schedules looked at per pass; more wait for the next pass, which is then due at once. */
const SCHEDULES_PER_PASS = 50;
/** Due tasks moved from `scheduled` to `ready` per pass. */
const PROMOTIONS_PER_PASS = 500;

/** Runs what is due now: returns how many attempts it started. */
export async function runTaskPass(settings: TaskPassSettings, now = Date.now()): Promise<number> {
  const { queue, registry, report } = settings;
  await reapLapsedLeases(queue, now, settings.maxLapses, settings.notifyDlq);
  await queue.promoteDue(now, PROMOTIONS_PER_PASS);
  await fireDueSchedules(queue, registry, now, settings.scheduleGraceMs);

  const env: AttemptEnv = {
    queue,
    leaseMs: settings.leaseMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    report,
    notifyDlq: settings.notifyDlq,
    // The pass claims for itself, and the host plans its next wake from the queue once it ends.
    wakeBy: () => {},
    replacements: () => 0,
    adopt: async () => {},
  };

  let budget = settings.maxAttemptsPerPass;
  let started = 0;
  // Each lane claims one task at a time and runs it to its end; a retry due at once (no backoff)
  // goes back to `ready` and is claimed again within the same pass.
  async function lane(): Promise<void> {
    while (budget > 0) {
      budget--;
      const [claim] = await queue.claim(1, settings.leaseMs, Date.now());
      if (claim === undefined) {
        budget++;
        return;
      }
      started++;
      await begin(settings, env, claim).catch(report);
    }
  }
  await Promise.all(Array.from({ length: settings.concurrency }, lane));
  return started;
}

/** Runs a claimed task, or puts it where it belongs when it cannot run here and now (admit-claim.ts). */
async function begin(settings: TaskPassSettings, env: AttemptEnv, claim: Claim): Promise<void> {
  const now = claim.running.startedAt ?? Date.now();
  const admission = await admitClaim(settings, claim, now, now + settings.concurrencyRetryMs);
  if ("run" in admission) await startAttempt(env, admission.run, claim.running).done;
}

/**
 * When the alarm must fire next: now while due tasks or runnable due schedules remain, else the
 * earliest delayed task or schedule; null when nothing waits. A due schedule whose task the
 * registry does not know is reported and skipped, so it cannot keep the host's timer firing.
 */
export async function nextTaskWakeAt(
  queue: TaskQueue,
  registry: TaskRegistry,
  report: (error: unknown) => void,
  now = Date.now(),
): Promise<number | null> {
  const { kv } = queue;
  if ((await kv.zrange(queue.key("ready"), { limit: 1 })).length > 0) return now;
  const schedules = queue.key("schedules");
  for (const { member } of await kv.zrange(schedules, { max: now, limit: SCHEDULES_PER_PASS })) {
    const schedule = await readSchedule(queue, member);
    if (schedule === null || registry.has(schedule.task)) return now;
    report(new Error(`covara tasks: schedule "${member}" names task "${schedule.task}", which is not registered`));
  }
  const [nextSchedule] = await kv.zrange(schedules, { min: now, minExclusive: true, limit: 1 });
  const next = Math.min((await queue.nextScheduledAt()) ?? Infinity, nextSchedule?.score ?? Infinity);
  return Number.isFinite(next) ? Math.max(now, next) : null;
}
