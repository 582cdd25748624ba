/**
 * The per-test setup of the task-queue behaviour suites: a fresh KV from the backend's factory, a
 * key prefix of its own (so a shared Redis never leaks state between tests), a registry, a
 * scheduler, and worker pools that are stopped, with every key deleted, after each test.
 */
import { afterEach, beforeEach, expect } from "vitest";
import type { KV } from "../../src/kernel/kv";
import {
  createTaskRegistry,
  createTaskScheduler,
  startTaskWorkers,
  type TaskRegistry,
  type TaskScheduler,
  type TaskWorker,
  type TaskWorkerOptions,
} from "../../src/tasks";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; a deadline for liveness, not a timing assertion. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("until: condition not met in time");
    await sleep(5);
  }
}

export interface TaskHarness {
  kv: KV;
  prefix: string;
  registry: TaskRegistry;
  scheduler: TaskScheduler;
  /** Infrastructure errors the pools reported; the test fails unless it empties this itself. */
  errors: unknown[];
  /** Starts a pool under the test's prefix (fast polling), stopped after the test. */
  start(n?: number, options?: TaskWorkerOptions, registry?: TaskRegistry): Promise<TaskWorker>;
}

/** Registers the setup in the current `describe`; the returned object's fields are renewed per test. */
export function useTaskHarness(makeKV: () => Promise<KV>): TaskHarness {
  const workers: TaskWorker[] = [];
  const harness = {
    errors: [] as unknown[],
    async start(n = 1, options: TaskWorkerOptions = {}, registry?: TaskRegistry) {
      const worker = await startTaskWorkers(harness.kv, registry ?? harness.registry, n, {
        keyPrefix: harness.prefix,
        pollIntervalMs: 50,
        onError: (error) => harness.errors.push(error),
        ...options,
      });
      workers.push(worker);
      return worker;
    },
  } as TaskHarness;

  beforeEach(async () => {
    harness.kv = await makeKV();
    harness.prefix = `tasktest:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
    harness.registry = createTaskRegistry();
    harness.scheduler = createTaskScheduler(harness.kv, harness.registry, { keyPrefix: harness.prefix });
    harness.errors.length = 0;
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop({ drain: false });
    for (const key of await harness.kv.keys(harness.prefix)) await harness.kv.delete(key);
    await harness.kv.close();
    expect(harness.errors).toEqual([]);
  });

  return harness;
}
