/**
 * The two queues under test in `bench/tasks.ts`, behind one shape: covara's task queue on the Redis
 * KV, and BullMQ on the same Redis. Each lives under its own key prefix and cleans up only its keys.
 */
import { Queue, Worker } from "bullmq";
import { z } from "zod";
import type { KV } from "../src/kernel/kv";
import { createRedisKV } from "../src/kv";
import { createTaskRegistry, createTaskScheduler, defineTask, startTaskWorkers } from "../src/tasks";

/** One queue system as the benchmark drives it. */
export interface QueueUnderTest {
  readonly label: string;
  /** Enqueues `count` no-op jobs from `producers` concurrent producers; resolves when all are stored. */
  fill(count: number, producers: number): Promise<void>;
  /** Starts `concurrency` workers, runs until `count` jobs have finished, stops them; elapsed ms. */
  drain(count: number, concurrency: number): Promise<number>;
  /** With idle workers running, enqueues `count` jobs one at a time; enqueue-to-start ms of each. */
  latency(count: number, concurrency: number): Promise<number[]>;
  /** Deletes every key this system wrote. */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}

const NOOP_INPUT = z.object({ n: z.number() });

/** Runs `count` calls of `one` from `producers` concurrent loops. */
async function produce(count: number, producers: number, one: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

/** Resolves when `signal()` has been called `count` times. */
function counter(count: number): { hit: () => void; done: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    hit: () => {
      if (++seen === count) resolve();
    },
    done,
  };
}

/** covara's task queue over the Redis KV. */
export async function covaraSystem(url: string, prefix: string): Promise<QueueUnderTest> {
  const kv: KV = await createRedisKV({ url, keyPrefix: prefix, connectionName: "covara-bench" });
  let onRun: (input: { n: number; at?: number }) => void = () => {};
  const task = defineTask({
    name: "noop",
    input: NOOP_INPUT.extend({ at: z.number().optional() }),
    handler: (_ctx, input) => {
      onRun(input);
    },
  });
  const registry = createTaskRegistry().register(task);
  const scheduler = createTaskScheduler(kv, registry);
  const options = { onError: (error: unknown) => console.error("covara worker:", error) };

  return {
    label: "covara (Redis KV)",
    fill: (count, producers) => produce(count, producers, (n) => scheduler.enqueue(task, { n })),
    async drain(count, concurrency) {
      const finished = counter(count);
      onRun = finished.hit;
      const started = performance.now();
      const worker = await startTaskWorkers(kv, registry, concurrency, options);
      await finished.done;
      // Every handler has run; drain waits for the last results to be recorded.
      await worker.drain();
      const elapsed = performance.now() - started;
      await worker.stop();
      return elapsed;
    },
    async latency(count, concurrency) {
      const worker = await startTaskWorkers(kv, registry, concurrency, options);
      const samples: number[] = [];
      for (let n = 0; n < count; n++) {
        const ran = new Promise<number>((resolve) => (onRun = () => resolve(performance.now())));
        const at = performance.now();
        await scheduler.enqueue(task, { n, at });
        samples.push((await ran) - at);
      }
      await worker.stop({ drain: true });
      return samples;
    },
    async cleanup() {
      for (const key of await kv.keys("")) await kv.delete(key);
    },
    close: () => kv.close(),
  };
}

/** BullMQ on the same Redis, default job options (completed jobs are kept, as covara keeps results). */
export async function bullmqSystem(url: string, prefix: string): Promise<QueueUnderTest> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null };
  const name = "noop";
  const queue = new Queue(name, { connection, prefix });
  await queue.waitUntilReady();
  let onRun: () => void = () => {};

  async function startWorker(concurrency: number): Promise<Worker> {
    const worker = new Worker(
      name,
      async () => {
        onRun();
      },
      { connection, prefix, concurrency },
    );
    worker.on("error", (error) => console.error("bullmq worker:", error));
    await worker.waitUntilReady();
    return worker;
  }

  return {
    label: "BullMQ",
    fill: (count, producers) => produce(count, producers, (n) => queue.add("noop", { n })),
    async drain(count, concurrency) {
      const finished = counter(count);
      const started = performance.now();
      const worker = await startWorker(concurrency);
      worker.on("completed", finished.hit);
      await finished.done;
      const elapsed = performance.now() - started;
      await worker.close();
      return elapsed;
    },
    async latency(count, concurrency) {
      const worker = await startWorker(concurrency);
      const samples: number[] = [];
      for (let n = 0; n < count; n++) {
        const ran = new Promise<number>((resolve) => (onRun = () => resolve(performance.now())));
        const at = performance.now();
        await queue.add("noop", { n, at });
        samples.push((await ran) - at);
      }
      await worker.close();
      return samples;
    },
    async cleanup() {
      await queue.obliterate({ force: true });
    },
    close: () => queue.close(),
  };
}
