/**
 * The task-queue behaviour suite, run against every KV backend. Each test gets its own key prefix so
 * a shared Redis never leaks state between tests.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { KV } from "../../src/kernel/kv";
import { ProblemError } from "../../src/kernel/errors";
import {
  createTaskRegistry,
  createTaskScheduler,
  defineTask,
  startTaskWorkers,
  type DeadLetter,
  type TaskRegistry,
  type TaskScheduler,
  type TaskWorker,
  type TaskWorkerOptions,
} from "../../src/tasks";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("until: condition not met in time");
    await sleep(5);
  }
}

/** Registers the queue behaviour tests for one KV backend. */
export function runTaskQueueSuite(name: string, makeKV: () => Promise<KV>): void {
  describe(`task queue: ${name}`, () => {
    let kv: KV;
    let prefix: string;
    let registry: TaskRegistry;
    let scheduler: TaskScheduler;
    const workers: TaskWorker[] = [];
    const errors: unknown[] = [];

    async function start(n = 1, options: TaskWorkerOptions = {}, reg: TaskRegistry = registry) {
      const worker = await startTaskWorkers(kv, reg, n, {
        keyPrefix: prefix,
        pollIntervalMs: 50,
        onError: (error) => errors.push(error),
        ...options,
      });
      workers.push(worker);
      return worker;
    }

    beforeEach(async () => {
      kv = await makeKV();
      prefix = `tasktest:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
      registry = createTaskRegistry();
      scheduler = createTaskScheduler(kv, registry, { keyPrefix: prefix });
      errors.length = 0;
    });

    afterEach(async () => {
      for (const worker of workers.splice(0)) await worker.stop({ drain: false });
      for (const key of await kv.keys(prefix)) await kv.delete(key);
      await kv.close();
      expect(errors).toEqual([]);
    });

    it("enqueues, runs and stores the result", async () => {
      const add = registry.register(
        defineTask({ name: "add", input: z.object({ a: z.number(), b: z.number() }), handler: async (_ctx, { a, b }) => a + b }),
      ).get("add")!;
      await start();
      const { id, deduplicated } = await scheduler.enqueue(add, { a: 2, b: 3 });
      expect(deduplicated).toBe(false);
      expect(await scheduler.waitFor(id, { timeoutMs: 2000 })).toEqual({ id, status: "completed", result: 5 });
      const status = await scheduler.getTaskStatus(id);
      expect(status).toMatchObject({ id, name: "add", status: "completed", attempt: 1, result: 5 });
      expect(status).not.toHaveProperty("claimToken");
      // resultTtlMs applies once finished.
      const ttl = await kv.ttl(`${prefix}task:${id}`);
      expect(typeof ttl === "number" && ttl > 0).toBe(true);
    });

    it("enqueues by name and starts promptly on the notification, not the poll", async () => {
      let startedAt = 0;
      registry.register(defineTask({ name: "t", input: z.null(), handler: () => { startedAt = Date.now(); } }));
      await start(1, { pollIntervalMs: 60_000 });
      await sleep(20);
      const enqueuedAt = Date.now();
      const { id } = await scheduler.enqueue("t", null);
      await scheduler.waitFor(id, { timeoutMs: 2000 });
      expect(startedAt - enqueuedAt).toBeLessThan(500);
    });

    it("runs a delayed task no earlier than its delay", async () => {
      let ranAt = 0;
      registry.register(defineTask({ name: "later", input: z.null(), handler: () => { ranAt = Date.now(); } }));
      await start(1, { pollIntervalMs: 60_000 });
      const enqueuedAt = Date.now();
      const { id } = await scheduler.enqueue("later", null, { delayMs: 150 });
      expect((await scheduler.getTaskResult(id))?.status).toBe("pending");
      await scheduler.waitFor(id, { timeoutMs: 2000 });
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(150);
    });

    it("runs higher priority first among due tasks", async () => {
      const order: string[] = [];
      registry.register(defineTask({ name: "p", input: z.string(), handler: (_ctx, label) => { order.push(label); } }));
      await scheduler.enqueue("p", "low", { priority: -5 });
      await scheduler.enqueue("p", "normal-1");
      await scheduler.enqueue("p", "high", { priority: 10 });
      const last = await scheduler.enqueue("p", "normal-2");
      await start(1);
      await scheduler.waitFor(last.id);
      await until(() => order.length === 4);
      expect(order).toEqual(["high", "normal-1", "normal-2", "low"]);
    });

    for (const backoff of ["exponential", "linear", "fixed"] as const) {
      it(`retries with ${backoff} backoff and succeeds`, async () => {
        const startedAt: number[] = [];
        registry.register(
          defineTask({
            name: `flaky-${backoff}`,
            input: z.null(),
            retry: { maxAttempts: 4, backoff, delayMs: 40 },
            handler: (ctx) => {
              startedAt.push(Date.now());
              if (ctx.attempt < 4) throw new Error(`boom ${ctx.attempt}`);
              return "ok";
            },
          }),
        );
        await start(1);
        const { id } = await scheduler.enqueue(`flaky-${backoff}`, null);
        expect(await scheduler.waitFor(id, { timeoutMs: 3000 })).toMatchObject({ status: "completed", result: "ok" });
        const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!);
        const expected = { exponential: [40, 80, 160], linear: [40, 80, 120], fixed: [40, 40, 40] }[backoff];
        gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2));
        expect(await scheduler.getTaskStatus(id)).toMatchObject({ attempt: 4, error: "boom 3" });
      });
    }

    it("dead-letters after the last attempt, calls the hook, and replays with lineage", async () => {
      let fail = true;
      registry.register(
        defineTask({
          name: "doomed",
          input: z.object({ n: z.number() }),
          retry: { maxAttempts: 2, backoff: "fixed", delayMs: 10 },
          handler: () => {
            if (fail) throw new Error("always");
            return "fixed now";
          },
        }),
      );
      const hooked: DeadLetter[] = [];
      await start(1, { onDlqEnqueue: (entry) => { hooked.push(entry); } });
      const { id } = await scheduler.enqueue("doomed", { n: 1 });
      expect(await scheduler.waitFor(id)).toEqual({ id, status: "dead", error: "always" });
      expect(hooked).toEqual([expect.objectContaining({ id, name: "doomed", error: "always", attempts: 2, input: { n: 1 } })]);
      expect((await scheduler.listDeadLetters()).map((letter) => letter.id)).toEqual([id]);
      // The dead record keeps no TTL while it sits in the DLQ.
      expect(await kv.ttl(`${prefix}task:${id}`)).toBeNull();

      // A replay that dies again keeps the chain.
      const replay1 = await scheduler.replayDeadLetter(id);
      expect(replay1).not.toBeNull();
      expect(await scheduler.replayDeadLetter(id)).toBeNull();
      await scheduler.waitFor(replay1!.id);
      expect(hooked[1]).toMatchObject({ id: replay1!.id, replayOf: id });
      fail = false;
      const replay2 = await scheduler.replayDeadLetter(replay1!.id);
      expect(await scheduler.waitFor(replay2!.id)).toMatchObject({ status: "completed", result: "fixed now" });
      expect(await scheduler.getTaskStatus(replay2!.id)).toMatchObject({ replayOf: replay1!.id, lineage: [id, replay1!.id], attempt: 1 });
      expect(await scheduler.getTaskStatus(id)).toMatchObject({ replayedAs: replay1!.id });
      expect(await scheduler.listDeadLetters()).toEqual([]);
    });

    it("purges a dead letter", async () => {
      registry.register(defineTask({ name: "x", input: z.null(), handler: () => { throw new Error("no"); } }));
      await start();
      const { id } = await scheduler.enqueue("x", null);
      await scheduler.waitFor(id);
      expect(await scheduler.purgeDeadLetter(id)).toBe(true);
      expect(await scheduler.purgeDeadLetter(id)).toBe(false);
      expect(await scheduler.getTaskStatus(id)).toBeNull();
    });

    it("retries and dead-letters a handler that throws a non-Error, with a readable reason", async () => {
      let calls = 0;
      registry.register(
        defineTask({
          name: "weird",
          input: z.null(),
          retry: { maxAttempts: 3, backoff: "fixed", delayMs: 5 },
          handler: () => {
            calls++;
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw calls === 3 ? undefined : { code: 42, why: "object" };
          },
        }),
      );
      await start();
      const { id } = await scheduler.enqueue("weird", null);
      const outcome = await scheduler.waitFor(id);
      expect(calls).toBe(3);
      expect(outcome).toEqual({ id, status: "dead", error: "Non-Error thrown: undefined" });
      const strings = await scheduler.enqueue(
        registry.register(defineTask({ name: "str", input: z.null(), handler: () => { throw "plain string"; } })).get("str")!,
        null,
      );
      expect(await scheduler.waitFor(strings.id)).toMatchObject({ error: "Non-Error thrown: plain string" });
    });

    it("fails an attempt that runs past timeoutMs and aborts its signal", async () => {
      let aborted = false;
      registry.register(
        defineTask({
          name: "slow",
          input: z.null(),
          timeoutMs: 50,
          handler: async (ctx) => {
            ctx.signal.addEventListener("abort", () => { aborted = true; });
            await sleep(1000);
          },
        }),
      );
      await start();
      const { id } = await scheduler.enqueue("slow", null);
      expect(await scheduler.waitFor(id)).toEqual({ id, status: "dead", error: 'TaskTimeoutError: Task "slow" timed out after 50 ms' });
      expect(aborted).toBe(true);
    });

    it("dedupes enqueues with the same idempotency key, per task name", async () => {
      let runs = 0;
      registry.register(defineTask({ name: "once", input: z.number(), handler: () => { runs++; } }));
      registry.register(defineTask({ name: "other", input: z.number(), handler: () => {} }));
      const results = await Promise.all([1, 2, 3].map((n) => scheduler.enqueue("once", n, { idempotencyKey: "order-7" })));
      const ids = new Set(results.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
      const other = await scheduler.enqueue("other", 1, { idempotencyKey: "order-7" });
      expect(ids.has(other.id)).toBe(false);
      await start();
      await scheduler.waitFor(results[0]!.id);
      await scheduler.waitFor(other.id);
      expect(runs).toBe(1);
      expect(await scheduler.getTaskStatus(results[0]!.id)).toMatchObject({ idempotencyKey: "order-7" });
    });

    it("enforces maxConcurrency across two worker pools sharing the KV", async () => {
      let running = 0;
      let peak = 0;
      const task = defineTask({
        name: "limited",
        input: z.number(),
        maxConcurrency: 2,
        handler: async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(30);
          running--;
        },
      });
      registry.register(task);
      const otherRegistry = createTaskRegistry().register(task);
      await start(4, { concurrencyRetryMs: 10 });
      await start(4, { concurrencyRetryMs: 10 }, otherRegistry);
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push((await scheduler.enqueue(task, i)).id);
      for (const id of ids) expect((await scheduler.waitFor(id, { timeoutMs: 5000 })).status).toBe("completed");
      expect(peak).toBe(2);
    });

    it("records progress and heartbeats renew the lease", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      registry.register(
        defineTask({
          name: "long",
          input: z.null(),
          handler: async (ctx) => {
            await ctx.reportProgress(0.5);
            await ctx.reportProgress({ step: "upload", done: 3 });
            await ctx.heartbeat();
            await gate;
            return "done";
          },
        }),
      );
      // A lease far shorter than the run: only heartbeats keep it.
      const worker = await start(1, { leaseMs: 120, heartbeatIntervalMs: 30 });
      const { id } = await scheduler.enqueue("long", null);
      await until(async () => (await scheduler.getTaskStatus(id))?.progress !== undefined && typeof (await scheduler.getTaskStatus(id))?.progress === "object");
      expect(await scheduler.getTaskStatus(id)).toMatchObject({ status: "running", progress: { step: "upload", done: 3 } });
      await sleep(400);
      await worker.tick();
      expect(await scheduler.getTaskStatus(id)).toMatchObject({ status: "running", attempt: 1 });
      release();
      expect(await scheduler.waitFor(id)).toMatchObject({ status: "completed", result: "done" });
    });

    it("hands a task whose worker died (lease lapsed) to another worker", async () => {
      const attempts: Array<{ worker: string; attempt: number }> = [];
      const deadRegistry = createTaskRegistry().register(
        defineTask({ name: "job", input: z.null(), handler: () => new Promise(() => { attempts.push({ worker: "dead", attempt: 0 }); }) }),
      );
      registry.register(defineTask({ name: "job", input: z.null(), handler: (ctx) => { attempts.push({ worker: "alive", attempt: ctx.attempt }); return "rescued"; } }));
      const dying = await start(1, { leaseMs: 100 }, deadRegistry);
      const { id } = await scheduler.enqueue("job", null);
      await until(async () => (await scheduler.getTaskStatus(id))?.status === "running");
      // The process "crashes": no more heartbeats, no release.
      await dying.stop({ drain: false, release: false });
      await start(1, { leaseMs: 100 });
      expect(await scheduler.waitFor(id, { timeoutMs: 3000 })).toMatchObject({ status: "completed", result: "rescued" });
      expect(attempts.map((a) => a.worker)).toEqual(["dead", "alive"]);
      expect(await scheduler.getTaskStatus(id)).toMatchObject({ attempt: 1, lapses: 1 });
    });

    it("drain waits for in-flight work and stops claiming; resume continues", async () => {
      let finished = 0;
      registry.register(defineTask({ name: "d", input: z.number(), handler: async () => { await sleep(40); finished++; } }));
      const worker = await start(2);
      const first = await scheduler.enqueue("d", 1);
      await until(async () => (await scheduler.getTaskStatus(first.id))?.status === "running");
      await worker.drain();
      expect(finished).toBe(1);
      expect(worker.active).toBe(0);
      const second = await scheduler.enqueue("d", 2);
      await sleep(100);
      expect((await scheduler.getTaskStatus(second.id))?.status).toBe("pending");
      worker.resume();
      await scheduler.waitFor(second.id);
      await worker.stop({ drain: true });
    });

    it("stop({ drain: true }) finishes in-flight work; stop() without drain hands it back uncharged", async () => {
      let completed = 0;
      registry.register(
        defineTask({
          name: "s",
          input: z.null(),
          handler: async (ctx) => {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, 60);
              ctx.signal.addEventListener("abort", () => { clearTimeout(timer); reject(ctx.signal.reason); });
            });
            completed++;
          },
        }),
      );
      const w1 = await start(1);
      const a = await scheduler.enqueue("s", null);
      await until(async () => (await scheduler.getTaskStatus(a.id))?.status === "running");
      await w1.stop({ drain: true });
      expect((await scheduler.getTaskResult(a.id))?.status).toBe("completed");

      const w2 = await start(1);
      const b = await scheduler.enqueue("s", null);
      await until(async () => (await scheduler.getTaskStatus(b.id))?.status === "running");
      await w2.stop({ drain: false });
      expect(await scheduler.getTaskStatus(b.id)).toMatchObject({ status: "pending", attempt: 0 });
      await start(1);
      await scheduler.waitFor(b.id);
      expect(completed).toBe(2);
      expect(await scheduler.getTaskStatus(b.id)).toMatchObject({ status: "completed", attempt: 1 });
    });

    it("refuses invalid input at enqueue time with the Zod issues", async () => {
      registry.register(defineTask({ name: "email", input: z.object({ to: z.email(), n: z.number().int() }), handler: () => {} }));
      const error = await scheduler.enqueue("email", { to: "nope", n: 1.5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      const doc = (error as ProblemError).toJSON();
      expect(doc).toMatchObject({ status: 400, code: "VALIDATION_ERROR", detail: 'Invalid input for task "email"' });
      expect((doc.errors as Array<{ path: string }>).map((issue) => issue.path).sort()).toEqual(["n", "to"]);
      expect(await kv.keys(`${prefix}task:`)).toEqual([]);
    });

    it("refuses unknown task names and bad options clearly", async () => {
      const error = await scheduler.enqueue("missing", {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).toJSON()).toMatchObject({ status: 404, code: "NOT_FOUND", task: "missing" });
      expect((error as ProblemError).message).toContain('Unknown task "missing"');
      registry.register(defineTask({ name: "ok", input: z.null(), handler: () => {} }));
      await expect(scheduler.enqueue("ok", null, { priority: 1000 })).rejects.toMatchObject({ code: "INVALID_PARAMETER" });
      await expect(scheduler.enqueue("ok", null, { delayMs: -1 })).rejects.toMatchObject({ code: "INVALID_PARAMETER" });
    });

    it("fires recurring schedules once per occurrence even with two processes looking", async () => {
      let runs = 0;
      registry.register(defineTask({ name: "tick", input: z.null(), handler: () => { runs++; } }));
      const { nextRunAt } = await scheduler.scheduleRecurring("tick", null, { cron: "* * * * *", timezone: "UTC" });
      expect(nextRunAt % 60_000).toBe(0);
      const other = createTaskScheduler(kv, registry, { keyPrefix: prefix });
      const fired = await Promise.all([scheduler.runDueSchedules(nextRunAt + 1000), other.runDueSchedules(nextRunAt + 1000)]);
      expect(fired[0]! + fired[1]!).toBe(1);
      await start();
      await until(() => runs === 1);
      await sleep(50);
      expect(runs).toBe(1);
    });
  });
}
