/**
 * One attempt of one task in a worker: the handler's context (progress, heartbeats, abort signal),
 * its timeout, and turning its outcome into the next state — completed, retried or dead-lettered.
 * The attempt keeps the record it claimed and writes it only while its claim token still stands.
 */
import { computeBackoffDelay } from "./backoff";
import { unref } from "../kernel/timers";
import { moveToDlq } from "./dlq";
import { describeFailure, TaskTimeoutError } from "./errors";
import type { Claim, SettleEffects, TaskQueue } from "./queue";
import type { AnyTaskDefinition, DeadLetter, TaskContext, TaskRecord } from "./types";

/** What an attempt needs from its pool. */
export interface AttemptEnv {
  queue: TaskQueue;
  leaseMs: number;
  heartbeatIntervalMs: number;
  report: (error: unknown) => void;
  notifyDlq: (letter: DeadLetter) => Promise<void>;
  /** Makes the pool look at the queue again by `at` (a retry's run time). */
  wakeBy: (at: number) => void;
  /** How many tasks to claim along with settling an attempt: 1 for its place, 0 when not claiming. */
  replacements: () => number;
  /** Takes over tasks claimed along with settling `finished`, which gives up its place first. */
  adopt: (claims: Claim[], finished: Attempt) => Promise<void>;
}

export interface Attempt {
  readonly id: string;
  readonly task: AnyTaskDefinition;
  /** The claimed record, status "running"; this attempt's own copy. */
  readonly record: TaskRecord;
  readonly token: string;
  readonly controller: AbortController;
  /** Set when this process no longer owns the attempt; it must not write anything. */
  abandoned: boolean;
  /** Progress writes in order; settling waits for them. */
  writes: Promise<void>;
  /** Settles once the attempt has finished and recorded its outcome (or given up on it). */
  done: Promise<void>;
  /** True once settling also claimed for this attempt's place, so the pool need not look again. */
  replaced: boolean;
  /** The lease renewal in flight, if any. */
  beating?: Promise<void> | undefined;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };
type Timer = ReturnType<typeof setTimeout>;

/** The task name whose concurrency slot an attempt of `task` holds, if any. */
const slotOf = (task: AnyTaskDefinition) => (task.maxConcurrency === undefined ? undefined : task.name);

/** Starts the handler on a claimed record already marked running with `record.claimToken`. */
export function startAttempt(env: AttemptEnv, task: AnyTaskDefinition, record: TaskRecord): Attempt {
  const attempt: Attempt = {
    id: record.id,
    task,
    record,
    token: record.claimToken!,
    controller: new AbortController(),
    abandoned: false,
    writes: Promise.resolve(),
    done: Promise.resolve(),
    replaced: false,
  };
  attempt.done = run(env, attempt);
  return attempt;
}

/** Renews the lease (one renewal at a time; callers meanwhile share it). */
function heartbeat(env: AttemptEnv, attempt: Attempt): Promise<void> {
  attempt.beating ??= renewLease(env, attempt).finally(() => {
    attempt.beating = undefined;
  });
  return attempt.beating;
}

/** On finding the lease reaped, abandons the attempt and aborts its signal. */
async function renewLease(env: AttemptEnv, attempt: Attempt): Promise<void> {
  if (attempt.abandoned) return;
  if (!(await env.queue.renewLease(attempt.id, Date.now() + env.leaseMs, slotOf(attempt.task)))) {
    // The reaper took the lease: another worker may run this task now, so stop writing.
    attempt.abandoned = true;
    attempt.controller.abort(new Error("The task's lease was lost"));
  }
}

function contextOf(env: AttemptEnv, attempt: Attempt, beat: () => Promise<void>): TaskContext {
  return {
    id: attempt.id,
    attempt: attempt.record.attempt,
    signal: attempt.controller.signal,
    heartbeat: () => heartbeat(env, attempt),
    reportProgress(progress) {
      if (
        !(typeof progress === "number" && Number.isFinite(progress)) &&
        (typeof progress !== "object" || progress === null)
      ) {
        return Promise.reject(new TypeError("reportProgress takes a finite number or an object"));
      }
      // Chained so progress writes land in order and before the final write; a failed write is
      // reported (and given to the caller) without breaking the chain.
      const write = attempt.writes.then(async () => {
        if (attempt.abandoned) return;
        attempt.record.progress = progress;
        await env.queue.saveOwned(attempt.record, attempt.token);
      });
      attempt.writes = write.then(() => {}, env.report);
      void beat();
      return write;
    },
  };
}

async function run(env: AttemptEnv, attempt: Attempt): Promise<void> {
  // Yield first, so the caller holds the attempt before anything it does can finish.
  await Promise.resolve();
  const { task, controller } = attempt;
  const beat = () => heartbeat(env, attempt).catch(env.report);
  const heartbeatTimer = unref(setInterval(beat, env.heartbeatIntervalMs));
  const timeoutMs = task.timeoutMs;
  const timeoutTimer: Timer | undefined =
    timeoutMs === undefined
      ? undefined
      : unref(setTimeout(() => controller.abort(new TaskTimeoutError(task.name, timeoutMs)), timeoutMs));
  let outcome: Outcome;
  try {
    const input: unknown = task.input.parse(attempt.record.input);
    const ctx = contextOf(env, attempt, beat);
    const result = await untilAborted(
      Promise.resolve().then(() => task.handler(ctx, input)),
      controller.signal,
    );
    outcome = { ok: true, result };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    clearInterval(heartbeatTimer);
    if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
  }
  // A renewal landing after the settle would put back the lease the settle freed.
  await Promise.all([attempt.writes, attempt.beating?.catch(() => {})]);
  if (attempt.abandoned) return;
  try {
    await settleOutcome(env, attempt, outcome);
  } catch (error) {
    // The lease stays and lapses, so the reaper retries the task.
    env.report(error);
  }
}

/** Records a finished attempt — the result, a retry after backoff, or the DLQ — claiming its successor. */
async function settleOutcome(env: AttemptEnv, attempt: Attempt, outcome: Outcome): Promise<void> {
  const { task, record, token } = attempt;
  const slot = slotOf(task);
  const now = Date.now();
  delete record.claimToken;
  if (outcome.ok && !isSerialisable(outcome.result)) {
    outcome = { ok: false, error: new TypeError("The handler's result is not JSON-serialisable") };
  }
  let effects: SettleEffects;
  if (outcome.ok) {
    record.status = "completed";
    record.result = outcome.result;
    record.finishedAt = now;
    effects = { ttlMs: task.resultTtlMs, slot };
  } else {
    const reason = describeFailure(outcome.error);
    if (record.attempt >= record.maxAttempts) {
      const letter = await moveToDlq(env.queue, record, reason, now, { token, slot });
      if (letter !== null) await env.notifyDlq(letter);
      return;
    }
    record.status = "pending";
    record.error = reason;
    record.runAt = now + computeBackoffDelay(task.retry, record.attempt);
    effects = { requeue: true, slot };
  }
  const { settled, claims } = await env.queue.settleAndClaim(record, token, effects, env.replacements(), env.leaseMs);
  attempt.replaced = true;
  if (settled && record.status === "pending") env.wakeBy(record.runAt);
  await env.adopt(claims, attempt);
}

/**
 * Stops an attempt this process gives up (a worker stopping without draining): aborts its signal
 * and, with `release`, hands the task back to the queue at once, its attempt not charged.
 */
export async function abandonAttempt(env: AttemptEnv, attempt: Attempt, release: boolean): Promise<void> {
  if (attempt.abandoned) return;
  attempt.abandoned = true;
  attempt.controller.abort(new Error("The worker stopped"));
  if (!release) return;
  const record: TaskRecord = {
    ...attempt.record,
    status: "pending",
    attempt: attempt.record.attempt - 1,
    runAt: Date.now(),
  };
  delete record.claimToken;
  await env.queue.settle(record, attempt.token, { requeue: true, slot: slotOf(attempt.task) });
}

function isSerialisable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
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
