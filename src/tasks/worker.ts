/**
 * Task workers: a pool of `n` concurrent attempts in this process, claiming from the shared queue.
 * Wakes on the `notify` channel, falls back to polling, renews leases by heartbeat, reaps lapsed
 * leases of dead workers, fires due recurring schedules, retries with backoff and dead-letters.
 */
import type { KV } from "../kernel/kv";
import { computeBackoffDelay } from "./backoff";
import { moveToDlq, type DlqHook } from "./dlq";
import { describeFailure, TaskTimeoutError } from "./errors";
import { createTaskQueue, DEFAULT_KEY_PREFIX } from "./queue";
import { reapLapsedLeases } from "./reaper";
import { DEFAULT_MISFIRE_GRACE_MS, fireDueSchedules } from "./recurring";
import type { TaskRegistry } from "./registry";
import type { AnyTaskDefinition, DeadLetter, TaskContext, TaskRecord } from "./types";

export interface TaskWorkerOptions {
  /** Must match the scheduler's (default `covara:tasks:`). */
  keyPrefix?: string;
  /** Fallback poll for due work, lapsed leases and schedules (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long a claim holds without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** Default: a third of `leaseMs`. */
  heartbeatIntervalMs?: number;
  /** Delay before retrying a task whose `maxConcurrency` was full (default 100 ms, jittered). */
  concurrencyRetryMs?: number;
  /** Lapsed leases (worker crashes) a task may cause before it is dead-lettered (default 3). */
  maxLapses?: number;
  /** Grace for catch-up "skip" schedules (default 60 s). */
  scheduleGraceMs?: number;
  onDlqEnqueue?: DlqHook;
  /** Infrastructure errors (KV failures, hook errors); default `console.error`. */
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

interface Attempt {
  id: string;
  task?: AnyTaskDefinition;
  token?: string;
  controller: AbortController;
  /** Set when this process no longer owns the attempt; it must not write anything. */
  abandoned: boolean;
  writes: Promise<void>;
  done?: Promise<void>;
}

type Timer = ReturnType<typeof setTimeout>;
const unref = (timer: Timer): Timer => {
  (timer as unknown as { unref?: () => void }).unref?.();
  return timer;
};

/** Starts `concurrency` workers in this process over `kv`, running tasks from `registry`. */
export async function startTaskWorkers(
  kv: KV,
  registry: TaskRegistry,
  concurrency = 1,
  options: TaskWorkerOptions = {},
): Promise<TaskWorker> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError("startTaskWorkers: n must be an integer >= 1");
  const queue = createTaskQueue(kv, options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 30_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(10, Math.floor(leaseMs / 3));
  const concurrencyRetryMs = options.concurrencyRetryMs ?? 100;
  const maxLapses = options.maxLapses ?? 3;
  const scheduleGraceMs = options.scheduleGraceMs ?? DEFAULT_MISFIRE_GRACE_MS;
  const report = options.onError ?? ((error: unknown) => console.error("covara tasks:", error));
  const workerId = crypto.randomUUID();

  const inFlight = new Map<string, Attempt>();
  let accepting = true;
  let stopped = false;
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;
  let pollTimer: Timer | undefined;
  let wakeTimer: Timer | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;

  async function notifyDlq(letter: DeadLetter): Promise<void> {
    try {
      await options.onDlqEnqueue?.(letter);
    } catch (error) {
      report(error);
    }
  }

  async function finishRelease(task: AnyTaskDefinition | undefined, id: string): Promise<void> {
    await queue.releaseLease(id);
    if (task?.maxConcurrency !== undefined) await queue.releaseSlot(task.name, id);
  }

  // ---- claiming -------------------------------------------------------------------------------

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
            const id = await queue.claim(leaseMs, Date.now());
            if (id === null) break;
            const attempt: Attempt = { id, controller: new AbortController(), abandoned: false, writes: Promise.resolve() };
            inFlight.set(id, attempt);
            if (!(await begin(attempt))) inFlight.delete(id);
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

  /** Turns a claim into a running attempt; false when there is nothing to run after all. */
  async function begin(attempt: Attempt): Promise<boolean> {
    const { id } = attempt;
    const now = Date.now();
    const record = await queue.readRecord(id);
    if (record === null || record.status !== "pending") {
      // A stale entry (finished, dead or expired task): drop the claim.
      await queue.releaseLease(id);
      return false;
    }
    const task = registry.get(record.name);
    if (task === undefined) {
      const letter = await moveToDlq(queue, record, `No handler registered for task "${record.name}"`, now);
      await queue.releaseLease(id);
      await notifyDlq(letter);
      return false;
    }
    if (task.maxConcurrency !== undefined) {
      const granted = await queue.acquireSlot(task.name, id, task.maxConcurrency, now + leaseMs, now);
      if (!granted) {
        // Full everywhere: back to the queue a little later, uncharged.
        record.runAt = now + Math.round(concurrencyRetryMs * (0.5 + Math.random()));
        await queue.writeRecord(record);
        await queue.push(record, now);
        await queue.releaseLease(id);
        wakeBy(record.runAt);
        return false;
      }
    }
    record.status = "running";
    record.attempt += 1;
    record.startedAt = now;
    record.claimToken = crypto.randomUUID();
    await queue.writeRecord(record);
    attempt.task = task;
    attempt.token = record.claimToken;
    attempt.done = run(attempt, task, record).finally(() => {
      inFlight.delete(id);
      if (!stopped) void pump();
    });
    return true;
  }

  // ---- running --------------------------------------------------------------------------------

  async function heartbeat(attempt: Attempt, task: AnyTaskDefinition): Promise<void> {
    if (attempt.abandoned) return;
    const expiresAt = Date.now() + leaseMs;
    if (!(await queue.renewLease(attempt.id, expiresAt))) {
      // The reaper took the lease: another worker may run this task now, so stop writing.
      attempt.abandoned = true;
      attempt.controller.abort(new Error("The task's lease was lost"));
      return;
    }
    if (task.maxConcurrency !== undefined) await queue.renewSlot(task.name, attempt.id, expiresAt);
  }

  /** Reads the record for a write, or null when this attempt no longer owns it. */
  async function ownedRecord(attempt: Attempt): Promise<TaskRecord | null> {
    if (attempt.abandoned) return null;
    const record = await queue.readRecord(attempt.id);
    return record !== null && record.claimToken === attempt.token ? record : null;
  }

  async function run(attempt: Attempt, task: AnyTaskDefinition, record: TaskRecord): Promise<void> {
    const { controller } = attempt;
    const beat = () => heartbeat(attempt, task).catch(report);
    const heartbeatTimer = unref(setInterval(beat, heartbeatIntervalMs) as unknown as Timer);
    const timeoutTimer =
      task.timeoutMs === undefined
        ? undefined
        : unref(setTimeout(() => controller.abort(new TaskTimeoutError(task.name, task.timeoutMs!)), task.timeoutMs));
    const ctx: TaskContext = {
      id: attempt.id,
      attempt: record.attempt,
      signal: controller.signal,
      heartbeat: () => heartbeat(attempt, task),
      reportProgress(progress) {
        if (!(typeof progress === "number" && Number.isFinite(progress)) && (typeof progress !== "object" || progress === null)) {
          return Promise.reject(new TypeError("reportProgress takes a finite number or an object"));
        }
        // Chained so progress writes land in order and before the final write.
        attempt.writes = attempt.writes.then(async () => {
          const current = await ownedRecord(attempt);
          if (current === null) return;
          current.progress = progress;
          await queue.writeRecord(current);
        });
        void beat();
        return attempt.writes;
      },
    };
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      const input: unknown = task.input.parse(record.input);
      const result = await untilAborted(Promise.resolve().then(() => task.handler(ctx, input)), controller.signal);
      outcome = { ok: true, result };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(heartbeatTimer);
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
    }
    await attempt.writes.catch(report);
    if (attempt.abandoned) return;
    try {
      await settle(attempt, task, outcome);
    } catch (error) {
      // The lease stays and lapses, so the reaper retries the task.
      report(error);
    }
  }

  async function settle(
    attempt: Attempt,
    task: AnyTaskDefinition,
    outcome: { ok: true; result: unknown } | { ok: false; error: unknown },
  ): Promise<void> {
    const record = await ownedRecord(attempt);
    if (record === null) return;
    const now = Date.now();
    delete record.claimToken;
    if (outcome.ok) {
      record.status = "completed";
      record.result = outcome.result;
      record.finishedAt = now;
      let serialisable = true;
      try {
        JSON.stringify(record);
      } catch {
        serialisable = false;
      }
      if (serialisable) {
        await queue.writeRecord(record, task.resultTtlMs);
        await finishRelease(task, attempt.id);
        await kv.publish(queue.channels.done, attempt.id);
        return;
      }
      delete record.result;
      outcome = { ok: false, error: new TypeError("The handler's result is not JSON-serialisable") };
    }
    const reason = describeFailure(outcome.error);
    if (record.attempt < record.maxAttempts) {
      record.status = "pending";
      record.error = reason;
      record.runAt = now + computeBackoffDelay(task.retry, record.attempt);
      // Record and queue entry first, lease last: a crash in between leaves a lapsing lease, not a lost task.
      await queue.writeRecord(record);
      await queue.push(record, now);
      await finishRelease(task, attempt.id);
      wakeBy(record.runAt);
      return;
    }
    const letter = await moveToDlq(queue, record, reason, now);
    await finishRelease(task, attempt.id);
    await notifyDlq(letter);
  }

  // ---- maintenance ----------------------------------------------------------------------------

  function wakeBy(at: number): void {
    if (stopped || at >= wakeAt) return;
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = unref(
      setTimeout(() => {
        wakeTimer = undefined;
        wakeAt = Number.POSITIVE_INFINITY;
        void tick();
      }, Math.max(0, at - Date.now())),
    );
  }

  async function planWake(): Promise<void> {
    const nextTask = await queue.nextScheduledAt();
    const [nextSchedule] = await kv.zrange(queue.key("schedules"), { limit: 1 });
    const next = Math.min(nextTask ?? Infinity, nextSchedule?.score ?? Infinity);
    if (Number.isFinite(next)) wakeBy(next);
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    try {
      const now = Date.now();
      await reapLapsedLeases(queue, now, maxLapses, notifyDlq);
      await queue.promoteDue(now);
      await fireDueSchedules(queue, registry, now, scheduleGraceMs);
      await pump();
      await planWake();
    } catch (error) {
      report(error);
    }
  }

  function schedulePoll(): void {
    if (stopped) return;
    pollTimer = unref(
      setTimeout(() => {
        void tick().finally(schedulePoll);
      }, pollIntervalMs),
    );
  }

  const unsubscribe = await kv.subscribe(queue.channels.notify, () => {
    if (stopped) return;
    void pump().then(planWake).catch(report);
  });
  schedulePoll();
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
      if (pollTimer !== undefined) clearTimeout(pollTimer);
      if (wakeTimer !== undefined) clearTimeout(wakeTimer);
      await unsubscribe().catch(report);
      await pumping;
      if (stopOptions.drain) {
        await waitForInFlight();
        return;
      }
      const release = stopOptions.release ?? true;
      const attempts = [...inFlight.values()];
      for (const attempt of attempts) {
        const record = release ? await ownedRecord(attempt).catch(() => null) : null;
        attempt.abandoned = true;
        attempt.controller.abort(new Error("The worker stopped"));
        if (record === null) continue;
        record.status = "pending";
        record.attempt -= 1;
        record.runAt = Date.now();
        delete record.claimToken;
        try {
          await queue.writeRecord(record);
          await queue.push(record);
          await finishRelease(attempt.task, attempt.id);
        } catch (error) {
          report(error);
        }
      }
      await Promise.all(attempts.map((attempt) => attempt.done));
    },
  };
}

/** Settles with the promise, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
