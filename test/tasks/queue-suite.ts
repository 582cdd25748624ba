/**
 * The task-queue behaviour suite, run against every KV backend: enqueue, run, retries, the DLQ,
 * idempotency, concurrency, leases, drain and stop. More cases in `queue-suite-edges.ts`.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { KV } from "../../src/kernel/kv";
import { ProblemError } from "../../src/kernel/errors";
import { createTaskRegistry, createTaskScheduler, defineTask, type DeadLetter } from "../../src/tasks";
import { sleep, until, useTaskHarness } from "./harness";
import { runTaskQueueEdgeSuite } from "./queue-suite-edges";

/** Registers the queue behaviour tests for one KV backend. */
export function runTaskQueueSuite(name: string, makeKV: () => Promise<KV>): void {
  describe(`task queue: ${name}`, () => {
    const h = useTaskHarness(makeKV);

    it("enqueues, runs and stores the result", async () => {
      const add = h.registry
        .register(
          defineTask({
            name: "add",
            input: z.object({ a: z.number(), b: z.number() }),
            handler: async (_ctx, { a, b }) => a + b,
          }),
        )
        .get("add")!;
      await h.start();
      const { id, deduplicated } = await h.scheduler.enqueue(add, { a: 2, b: 3 });
      expect(deduplicated).toBe(false);
      expect(await h.scheduler.waitFor(id, { timeoutMs: 2000 })).toEqual({ id, status: "completed", result: 5 });
      const status = await h.scheduler.getTaskStatus(id);
      expect(status).toMatchObject({ id, name: "add", status: "completed", attempt: 1, result: 5 });
      expect(status).not.toHaveProperty("claimToken");
      // resultTtlMs applies once finished.
      const ttl = await h.kv.ttl(`${h.prefix}task:${id}`);
      expect(typeof ttl === "number" && ttl > 0).toBe(true);
    });

    it("enqueues by name and starts promptly on the notification, not the poll", async () => {
      let startedAt = 0;
      h.registry.register(
        defineTask({
          name: "t",
          input: z.null(),
          handler: () => {
            startedAt = Date.now();
          },
        }),
      );
      await h.start(1, { pollIntervalMs: 60_000 });
      await sleep(20);
      const enqueuedAt = Date.now();
      const { id } = await h.scheduler.enqueue("t", null);
      await h.scheduler.waitFor(id, { timeoutMs: 2000 });
      expect(startedAt - enqueuedAt).toBeLessThan(500);
    });

    it("runs a delayed task no earlier than its delay", async () => {
      let ranAt = 0;
      h.registry.register(
        defineTask({
          name: "later",
          input: z.null(),
          handler: () => {
            ranAt = Date.now();
          },
        }),
      );
      await h.start(1, { pollIntervalMs: 60_000 });
      const enqueuedAt = Date.now();
      const { id } = await h.scheduler.enqueue("later", null, { delayMs: 150 });
      expect((await h.scheduler.getTaskResult(id))?.status).toBe("pending");
      await h.scheduler.waitFor(id, { timeoutMs: 2000 });
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(150);
    });

    it("runs higher priority first among due tasks", async () => {
      const order: string[] = [];
      h.registry.register(
        defineTask({
          name: "p",
          input: z.string(),
          handler: (_ctx, label) => {
            order.push(label);
          },
        }),
      );
      await h.scheduler.enqueue("p", "low", { priority: -5 });
      await h.scheduler.enqueue("p", "normal-1");
      await h.scheduler.enqueue("p", "high", { priority: 10 });
      const last = await h.scheduler.enqueue("p", "normal-2");
      await h.start(1);
      await h.scheduler.waitFor(last.id);
      await until(() => order.length === 4);
      expect(order).toEqual(["high", "normal-1", "normal-2", "low"]);
    });

    for (const backoff of ["exponential", "linear", "fixed"] as const) {
      it(`retries with ${backoff} backoff and succeeds`, async () => {
        const startedAt: number[] = [];
        h.registry.register(
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
        await h.start(1);
        const { id } = await h.scheduler.enqueue(`flaky-${backoff}`, null);
        expect(await h.scheduler.waitFor(id, { timeoutMs: 3000 })).toMatchObject({ status: "completed", result: "ok" });
        const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i]!);
        const expected = { exponential: [40, 80, 160], linear: [40, 80, 120], fixed: [40, 40, 40] }[backoff];
        for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2);
        expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ attempt: 4, error: "boom 3" });
      });
    }

    it("dead-letters after the last attempt, calls the hook, and replays with lineage", async () => {
      let fail = true;
      h.registry.register(
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
      await h.start(1, {
        onDlqEnqueue: (entry) => {
          hooked.push(entry);
        },
      });
      const { id } = await h.scheduler.enqueue("doomed", { n: 1 });
      expect(await h.scheduler.waitFor(id)).toEqual({ id, status: "dead", error: "always" });
      // The hook runs right after the record turns dead.
      await until(() => hooked.length === 1);
      expect(hooked).toEqual([
        expect.objectContaining({ id, name: "doomed", error: "always", attempts: 2, input: { n: 1 } }),
      ]);
      expect((await h.scheduler.listDeadLetters()).map((letter) => letter.id)).toEqual([id]);
      // The dead record keeps no TTL while it sits in the DLQ.
      expect(await h.kv.ttl(`${h.prefix}task:${id}`)).toBeNull();

      // A replay that dies again keeps the chain.
      const replay1 = await h.scheduler.replayDeadLetter(id);
      expect(replay1).not.toBeNull();
      expect(await h.scheduler.replayDeadLetter(id)).toBeNull();
      await h.scheduler.waitFor(replay1!.id);
      await until(() => hooked.length === 2);
      expect(hooked[1]).toMatchObject({ id: replay1!.id, replayOf: id });
      fail = false;
      const replay2 = await h.scheduler.replayDeadLetter(replay1!.id);
      expect(await h.scheduler.waitFor(replay2!.id)).toMatchObject({ status: "completed", result: "fixed now" });
      expect(await h.scheduler.getTaskStatus(replay2!.id)).toMatchObject({
        replayOf: replay1!.id,
        lineage: [id, replay1!.id],
        attempt: 1,
      });
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ replayedAs: replay1!.id });
      expect(await h.scheduler.listDeadLetters()).toEqual([]);
    });

    it("purges a dead letter", async () => {
      h.registry.register(
        defineTask({
          name: "x",
          input: z.null(),
          handler: () => {
            throw new Error("no");
          },
        }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("x", null);
      await h.scheduler.waitFor(id);
      expect(await h.scheduler.purgeDeadLetter(id)).toBe(true);
      expect(await h.scheduler.purgeDeadLetter(id)).toBe(false);
      expect(await h.scheduler.getTaskStatus(id)).toBeNull();
    });

    it("retries and dead-letters a handler that throws a non-Error, with a readable reason", async () => {
      let calls = 0;
      h.registry.register(
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
      await h.start();
      const { id } = await h.scheduler.enqueue("weird", null);
      const outcome = await h.scheduler.waitFor(id);
      expect(calls).toBe(3);
      expect(outcome).toEqual({ id, status: "dead", error: "Non-Error thrown: undefined" });
      const strings = await h.scheduler.enqueue(
        h.registry
          .register(
            defineTask({
              name: "str",
              input: z.null(),
              handler: () => {
                throw "plain string";
              },
            }),
          )
          .get("str")!,
        null,
      );
      expect(await h.scheduler.waitFor(strings.id)).toMatchObject({ error: "Non-Error thrown: plain string" });
    });

    it("fails an attempt that runs past timeoutMs and aborts its signal", async () => {
      let aborted = false;
      h.registry.register(
        defineTask({
          name: "slow",
          input: z.null(),
          timeoutMs: 50,
          handler: async (ctx) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = true;
            });
            await sleep(1000);
          },
        }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("slow", null);
      expect(await h.scheduler.waitFor(id)).toEqual({
        id,
        status: "dead",
        error: 'TaskTimeoutError: Task "slow" timed out after 50 ms',
      });
      expect(aborted).toBe(true);
    });

    it("dedupes enqueues with the same idempotency key, per task name", async () => {
      let runs = 0;
      h.registry.register(
        defineTask({
          name: "once",
          input: z.number(),
          handler: () => {
            runs++;
          },
        }),
      );
      h.registry.register(defineTask({ name: "other", input: z.number(), handler: () => {} }));
      const results = await Promise.all(
        [1, 2, 3].map((n) => h.scheduler.enqueue("once", n, { idempotencyKey: "order-7" })),
      );
      const ids = new Set(results.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
      const other = await h.scheduler.enqueue("other", 1, { idempotencyKey: "order-7" });
      expect(ids.has(other.id)).toBe(false);
      await h.start();
      await h.scheduler.waitFor(results[0]!.id);
      await h.scheduler.waitFor(other.id);
      expect(runs).toBe(1);
      expect(await h.scheduler.getTaskStatus(results[0]!.id)).toMatchObject({ idempotencyKey: "order-7" });
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
      h.registry.register(task);
      const otherRegistry = createTaskRegistry().register(task);
      await h.start(4, { concurrencyRetryMs: 10 });
      await h.start(4, { concurrencyRetryMs: 10 }, otherRegistry);
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push((await h.scheduler.enqueue(task, i)).id);
      for (const id of ids) expect((await h.scheduler.waitFor(id, { timeoutMs: 5000 })).status).toBe("completed");
      expect(peak).toBe(2);
    });

    it("records progress and heartbeats renew the lease", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      h.registry.register(
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
      const worker = await h.start(1, { leaseMs: 120, heartbeatIntervalMs: 30 });
      const { id } = await h.scheduler.enqueue("long", null);
      await until(
        async () =>
          (await h.scheduler.getTaskStatus(id))?.progress !== undefined &&
          typeof (await h.scheduler.getTaskStatus(id))?.progress === "object",
      );
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({
        status: "running",
        progress: { step: "upload", done: 3 },
      });
      await sleep(400);
      await worker.tick();
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ status: "running", attempt: 1 });
      release();
      expect(await h.scheduler.waitFor(id)).toMatchObject({ status: "completed", result: "done" });
    });

    it("hands a task whose worker died (lease lapsed) to another worker", async () => {
      const attempts: Array<{ worker: string; attempt: number }> = [];
      const deadRegistry = createTaskRegistry().register(
        defineTask({
          name: "job",
          input: z.null(),
          handler: () =>
            new Promise(() => {
              attempts.push({ worker: "dead", attempt: 0 });
            }),
        }),
      );
      h.registry.register(
        defineTask({
          name: "job",
          input: z.null(),
          handler: (ctx) => {
            attempts.push({ worker: "alive", attempt: ctx.attempt });
            return "rescued";
          },
        }),
      );
      const dying = await h.start(1, { leaseMs: 100 }, deadRegistry);
      const { id } = await h.scheduler.enqueue("job", null);
      await until(async () => (await h.scheduler.getTaskStatus(id))?.status === "running");
      // The process "crashes": no more heartbeats, no release.
      await dying.stop({ drain: false, release: false });
      await h.start(1, { leaseMs: 100 });
      expect(await h.scheduler.waitFor(id, { timeoutMs: 3000 })).toMatchObject({
        status: "completed",
        result: "rescued",
      });
      expect(attempts.map((a) => a.worker)).toEqual(["dead", "alive"]);
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ attempt: 1, lapses: 1 });
    });

    it("drain waits for in-flight work and stops claiming; resume continues", async () => {
      let finished = 0;
      h.registry.register(
        defineTask({
          name: "d",
          input: z.number(),
          handler: async () => {
            await sleep(40);
            finished++;
          },
        }),
      );
      const worker = await h.start(2);
      const first = await h.scheduler.enqueue("d", 1);
      await until(async () => (await h.scheduler.getTaskStatus(first.id))?.status === "running");
      await worker.drain();
      expect(finished).toBe(1);
      expect(worker.active).toBe(0);
      const second = await h.scheduler.enqueue("d", 2);
      await sleep(100);
      expect((await h.scheduler.getTaskStatus(second.id))?.status).toBe("pending");
      worker.resume();
      await h.scheduler.waitFor(second.id);
      await worker.stop({ drain: true });
    });

    it("stop({ drain: true }) finishes in-flight work; stop() without drain hands it back uncharged", async () => {
      let completed = 0;
      h.registry.register(
        defineTask({
          name: "s",
          input: z.null(),
          handler: async (ctx) => {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, 60);
              ctx.signal.addEventListener("abort", () => {
                clearTimeout(timer);
                reject(ctx.signal.reason);
              });
            });
            completed++;
          },
        }),
      );
      const w1 = await h.start(1);
      const a = await h.scheduler.enqueue("s", null);
      await until(async () => (await h.scheduler.getTaskStatus(a.id))?.status === "running");
      await w1.stop({ drain: true });
      expect((await h.scheduler.getTaskResult(a.id))?.status).toBe("completed");

      const w2 = await h.start(1);
      const b = await h.scheduler.enqueue("s", null);
      await until(async () => (await h.scheduler.getTaskStatus(b.id))?.status === "running");
      await w2.stop({ drain: false });
      expect(await h.scheduler.getTaskStatus(b.id)).toMatchObject({ status: "pending", attempt: 0 });
      await h.start(1);
      await h.scheduler.waitFor(b.id);
      expect(completed).toBe(2);
      expect(await h.scheduler.getTaskStatus(b.id)).toMatchObject({ status: "completed", attempt: 1 });
    });

    it("refuses invalid input at enqueue time with the Zod issues", async () => {
      h.registry.register(
        defineTask({ name: "email", input: z.object({ to: z.email(), n: z.number().int() }), handler: () => {} }),
      );
      const error = await h.scheduler.enqueue("email", { to: "nope", n: 1.5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      const doc = (error as ProblemError).toJSON();
      expect(doc).toMatchObject({ status: 400, code: "VALIDATION_ERROR", detail: 'Invalid input for task "email"' });
      expect((doc.errors as Array<{ path: string }>).map((issue) => issue.path).sort()).toEqual(["n", "to"]);
      expect(await h.kv.keys(`${h.prefix}task:`)).toEqual([]);
    });

    it("refuses unknown task names and bad options clearly", async () => {
      const error = await h.scheduler.enqueue("missing", {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).toJSON()).toMatchObject({ status: 404, code: "NOT_FOUND", task: "missing" });
      expect((error as ProblemError).message).toContain('Unknown task "missing"');
      h.registry.register(defineTask({ name: "ok", input: z.null(), handler: () => {} }));
      await expect(h.scheduler.enqueue("ok", null, { priority: 1000 })).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
      await expect(h.scheduler.enqueue("ok", null, { delayMs: -1 })).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
    });

    it("fires recurring schedules once per occurrence even with two processes looking", async () => {
      let runs = 0;
      h.registry.register(
        defineTask({
          name: "tick",
          input: z.null(),
          handler: () => {
            runs++;
          },
        }),
      );
      const { nextRunAt } = await h.scheduler.scheduleRecurring("tick", null, { cron: "* * * * *", timezone: "UTC" });
      expect(nextRunAt % 60_000).toBe(0);
      const other = createTaskScheduler(h.kv, h.registry, { keyPrefix: h.prefix });
      const fired = await Promise.all([
        h.scheduler.runDueSchedules(nextRunAt + 1000),
        other.runDueSchedules(nextRunAt + 1000),
      ]);
      expect(fired[0]! + fired[1]!).toBe(1);
      await h.start();
      await until(() => runs === 1);
      await sleep(50);
      expect(runs).toBe(1);
    });
  });
  runTaskQueueEdgeSuite(name, makeKV);
}
