/**
 * Task workers: a pool of `n` concurrent attempts in this process, claiming from the shared queue.
 * Wakes on the `notify` channel, falls back to polling, reaps lapsed leases of dead workers, fires
 * due recurring schedules. Running one attempt lives in `worker-attempt.ts`, timers in
 * `worker-wake.ts`, options in `worker-options.ts`.
 */
import type { KV } from "../kernel/kv";
import { admitClaim } from "./admit-claim";
import { createTaskQueue } from "./create-task-queue";
import { NOTIFY_AT, NOTIFY_READY, type Claim } from "./queue";
import { reapLapsedLeases } from "./reaper";
import { fireDueSchedules } from "./recurring";
import type { TaskRegistry } from "./registry";
import type { DeadLetter } from "./types";
import { abandonAttempt, startAttempt, type Attempt, type AttemptEnv } from "./worker-attempt";
import { resolveWorkerSettings, type TaskWorker, type TaskWorkerOptions } from "./worker-options";
import { createWakeSchedule } from "./worker-wake";

export type { TaskWorker, TaskWorkerOptions } from "./worker-options";

/** Starts `concurrency` workers in this process over `kv`, running tasks from `registry`. */
export async function startTaskWorkers(
  kv: KV,
  registry: TaskRegistry,
  concurrency = 1,
  options: TaskWorkerOptions = {},
): Promise<TaskWorker> {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError("startTaskWorkers: n must be an integer >= 1");
  const settings = resolveWorkerSettings(options);
  const { leaseMs, report } = settings;
  const queue = createTaskQueue(kv, settings.keyPrefix);
  const workerId = crypto.randomUUID();

  const inFlight = new Map<string, Attempt>();
  let accepting = true;
  let stopped = false;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  /** Maintenance in flight (ticks, wake planning): `stop` waits for it before the KV may close. */
  const background = new Set<Promise<void>>();

  function inBackground(work: () => Promise<void>): Promise<void> {
    const running = work().catch(report);
    background.add(running);
    void running.finally(() => background.delete(running));
    return running;
  }

  async function notifyDlq(letter: DeadLetter): Promise<void> {
    try {
      await settings.onDlqEnqueue?.(letter);
    } catch (error) {
      report(error);
    }
  }

  const wake = createWakeSchedule(tick);
  const env: AttemptEnv = {
    queue,
    leaseMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    report,
    notifyDlq,
    wakeBy: wake.by,
    replacements: () => (accepting && !stopped ? 1 : 0),
    async adopt(claims, finished) {
      if (inFlight.get(finished.id) === finished) inFlight.delete(finished.id);
      await Promise.all(claims.map((claim) => begin(claim, claim.running.startedAt!).catch(report)));
    },
  };

  // ---- claiming -------------------------------------------------------------------------------

  /** Claims while there are free places; one claim loop at a time, re-run if asked meanwhile. */
  function pump(): Promise<void> {
    if (pumping !== undefined) {
      pumpAgain = true;
      return pumping;
    }
    pumping = (async () => {
      // Yield first so `pumping` is assigned before the finally below can clear it.
      await Promise.resolve();
      try {
        do {
          pumpAgain = false;
          while (accepting && inFlight.size < concurrency) {
            const now = Date.now();
            // One claim for every free place: a single round trip on Redis however many it takes.
            const claims = await queue.claim(concurrency - inFlight.size, leaseMs, now);
            if (claims.length === 0) break;
            await Promise.all(claims.map((claim) => begin(claim, now).catch(report)));
          }
        } while (pumpAgain && accepting);
      } catch (error) {
        report(error);
      } finally {
        pumping = undefined;
      }
    })();
    return pumping;
  }

  /** Runs a claimed task, or puts it where it belongs when it cannot run here and now. */
  async function begin({ stored, running }: Claim, now: number): Promise<void> {
    const token = running.claimToken!;
    if (!accepting) {
      // Claimed along with a settle that raced a drain or stop: hand it straight back, uncharged.
      await queue.settle(stored, token, { requeue: true });
      return;
    }
    // Full everywhere: back to the queue a little later (jittered), uncharged, and woken for then.
    const requeueAt = now + Math.round(settings.concurrencyRetryMs * (0.5 + Math.random()));
    const admission = await admitClaim({ queue, registry, leaseMs, notifyDlq }, { stored, running }, now, requeueAt);
    if ("requeuedAt" in admission) wake.by(admission.requeuedAt);
    if (!("run" in admission)) return;
    const attempt = startAttempt(env, admission.run, running);
    inFlight.set(attempt.id, attempt);
    void attempt.done.finally(() => {
      // A retry claimed again at once may already run under the same id: leave that one be.
      if (inFlight.get(attempt.id) === attempt) inFlight.delete(attempt.id);
      if (!stopped && !attempt.replaced) void pump();
    });
  }

  // ---- maintenance ----------------------------------------------------------------------------

  /** Arms the wake timer for the earliest delayed task or recurring occurrence. */
  async function planWake(): Promise<void> {
    const nextTask = await queue.nextScheduledAt();
    const [nextSchedule] = await kv.zrange(queue.key("schedules"), { limit: 1 });
    const next = Math.min(nextTask ?? Infinity, nextSchedule?.score ?? Infinity);
    if (Number.isFinite(next)) wake.by(next);
  }

  function tick(): Promise<void> {
    if (stopped) return Promise.resolve();
    return inBackground(async () => {
      const now = Date.now();
      await reapLapsedLeases(queue, now, settings.maxLapses, notifyDlq);
      await queue.promoteDue(now);
      await fireDueSchedules(queue, registry, now, settings.scheduleGraceMs);
      await pump();
      await planWake();
    });
  }

  const unsubscribe = await kv.subscribe(queue.channels.notify, (message) => {
    if (stopped) return;
    // "ready": claim now. "at:{ms}": a task was scheduled; wake for it. Anything else: look around.
    if (message === NOTIFY_READY) void pump();
    else if (message.startsWith(NOTIFY_AT) && Number.isFinite(Number(message.slice(NOTIFY_AT.length)))) {
      wake.by(Number(message.slice(NOTIFY_AT.length)));
    } else void inBackground(() => pump().then(planWake));
  });
  wake.poll(settings.pollIntervalMs);
  void tick();

  async function waitForInFlight(): Promise<void> {
    while (pumping !== undefined || inFlight.size > 0) {
      await pumping;
      await Promise.all([...inFlight.values()].map((attempt) => attempt.done));
    }
  }

  return {
    id: workerId,
    concurrency,
    get active() {
      return inFlight.size;
    },
    async drain() {
      accepting = false;
      await waitForInFlight();
    },
    resume() {
      if (stopped) return;
      accepting = true;
      void pump();
    },
    tick,
    async stop(stopOptions = {}) {
      if (stopped) return;
      accepting = false;
      stopped = true;
      wake.cancel();
      await unsubscribe().catch(report);
      await Promise.all(background);
      await pumping;
      if (stopOptions.drain) {
        await waitForInFlight();
        return;
      }
      const attempts = [...inFlight.values()];
      const release = stopOptions.release ?? true;
      await Promise.all(attempts.map((attempt) => abandonAttempt(env, attempt, release).catch(report)));
      await Promise.all(attempts.map((attempt) => attempt.done));
    },
  };
}
