/**
 * More of the task-queue behaviour suite, run against every KV backend: result expiry, progress,
 * lost leases, hooks that throw, handlers the worker lacks, results that cannot be stored,
 * immediate retries, replay races, and the errors callers get for bad input and options.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { KV } from "../../src/kernel/kv";
import { ProblemError } from "../../src/kernel/errors";
import { createTaskRegistry, defineTask, startTaskWorkers } from "../../src/tasks";
import { sleep, until, useTaskHarness } from "./harness";

/** Registers the edge-case tests for one KV backend. */
export function runTaskQueueEdgeSuite(name: string, makeKV: () => Promise<KV>): void {
  describe(`task queue edges: ${name}`, () => {
    const h = useTaskHarness(makeKV);

    it("resultTtlMs: a finished task's record and result expire after it", async () => {
      h.registry.register(
        defineTask({ name: "brief", input: z.null(), resultTtlMs: 150, handler: () => "kept briefly" }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("brief", null);
      expect(await h.scheduler.waitFor(id)).toMatchObject({ status: "completed", result: "kept briefly" });
      const ttl = await h.kv.ttl(`${h.prefix}task:${id}`);
      expect(typeof ttl === "number" && ttl > 0 && ttl <= 150).toBe(true);
      await until(async () => (await h.scheduler.getTaskResult(id)) === null);
      expect(await h.scheduler.getTaskStatus(id)).toBeNull();
    });

    it("input, progress and result come back exactly as JSON carries them", async () => {
      const awkward = {
        empty: [],
        nested: { list: [[], {}], none: null },
        big: Number.MAX_SAFE_INTEGER,
        tiny: 5e-324,
        float: 0.1 + 0.2,
        text: 'é ✓ "quoted" \\ "claimToken":"not-a-token"',
      };
      h.registry.register(
        defineTask({
          name: "echo",
          input: z.looseObject({}),
          handler: async (ctx, input) => {
            await ctx.reportProgress({ echo: input });
            return input;
          },
        }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("echo", awkward);
      expect(await h.scheduler.waitFor(id)).toEqual({ id, status: "completed", result: awkward });
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ input: awkward, progress: { echo: awkward } });
    });

    it("reportProgress keeps the last progress on the finished record and refuses what is not a number or object", async () => {
      const refused: unknown[] = [];
      h.registry.register(
        defineTask({
          name: "steps",
          input: z.null(),
          handler: async (ctx) => {
            for (const step of [1, 2, 3]) await ctx.reportProgress({ step, of: 3 });
            for (const bad of ["half", Number.NaN, null]) {
              refused.push(await ctx.reportProgress(bad as never).catch((error: unknown) => (error as Error).name));
            }
            return "ok";
          },
        }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("steps", null);
      await h.scheduler.waitFor(id);
      expect(refused).toEqual(["TypeError", "TypeError", "TypeError"]);
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({
        status: "completed",
        progress: { step: 3, of: 3 },
        result: "ok",
      });
    });

    it("an attempt whose lease is taken from it aborts its signal and writes nothing more", async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let abortReason = "";
      h.registry.register(
        defineTask({
          name: "orphan",
          input: z.null(),
          handler: async (ctx) => {
            ctx.signal.addEventListener("abort", () => (abortReason = String((ctx.signal.reason as Error).message)));
            await gate;
            await ctx.reportProgress(0.9).catch(() => {});
            return "too late";
          },
        }),
      );
      await h.start(1, { leaseMs: 5000, heartbeatIntervalMs: 20 });
      const { id } = await h.scheduler.enqueue("orphan", null);
      await until(async () => (await h.scheduler.getTaskStatus(id))?.status === "running");
      // What a reaper does to a lapsed lease: take it away.
      expect(await h.kv.zrem(`${h.prefix}leases`, id)).toBe(true);
      await until(() => abortReason !== "");
      expect(abortReason).toBe("The task's lease was lost");
      release();
      await sleep(50);
      const status = await h.scheduler.getTaskStatus(id);
      expect(status).toMatchObject({ status: "running", attempt: 1 });
      expect(status).not.toHaveProperty("result");
      expect(status).not.toHaveProperty("progress");
    });

    it("a task whose workers keep dying is dead-lettered after maxLapses lapses, uncharged until then", async () => {
      const hangs = createTaskRegistry().register(
        defineTask({ name: "poison", input: z.null(), handler: () => new Promise<never>(() => {}) }),
      );
      const options = { leaseMs: 100, heartbeatIntervalMs: 30, maxLapses: 2 };
      const { id } = await h.scheduler.enqueue(hangs.get("poison")!, null);
      // Two pools in turn claim it and "crash": no release, no more heartbeats.
      for (const lapsesBefore of [0, 1]) {
        const dying = await h.start(1, options, hangs);
        await until(async () => {
          const status = await h.scheduler.getTaskStatus(id);
          return status?.status === "running" && (status.lapses ?? 0) === lapsesBefore;
        });
        expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ attempt: 1 });
        await dying.stop({ drain: false, release: false });
      }
      const hooked: string[] = [];
      await h.start(
        1,
        {
          ...options,
          onDlqEnqueue: (entry) => {
            hooked.push(entry.error);
          },
        },
        hangs,
      );
      expect(await h.scheduler.waitFor(id)).toMatchObject({
        status: "dead",
        error: expect.stringMatching(/Lease expired.*\(2 times\)$/),
      });
      // The hook runs right after the record turns dead.
      await until(() => hooked.length === 1);
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ lapses: 2, attempt: 1 });
    });

    it("an onDlqEnqueue hook that throws is reported to onError and the task still lands in the DLQ", async () => {
      h.registry.register(
        defineTask({
          name: "fails",
          input: z.null(),
          handler: () => {
            throw new Error("nope");
          },
        }),
      );
      const hooked: string[] = [];
      await h.start(1, {
        onDlqEnqueue: (entry) => {
          hooked.push(entry.id);
          throw new Error("pager is down");
        },
      });
      const { id } = await h.scheduler.enqueue("fails", null);
      expect(await h.scheduler.waitFor(id)).toEqual({ id, status: "dead", error: "nope" });
      await until(() => h.errors.length === 1);
      expect(hooked).toEqual([id]);
      expect(String(h.errors.splice(0)[0])).toContain("pager is down");
      expect((await h.scheduler.listDeadLetters()).map((letter) => letter.id)).toEqual([id]);
    });

    it("a worker without a handler for the task dead-letters it, naming the task", async () => {
      h.registry.register(defineTask({ name: "known-elsewhere", input: z.null(), handler: () => {} }));
      const { id } = await h.scheduler.enqueue("known-elsewhere", null);
      await h.start(1, {}, createTaskRegistry());
      expect(await h.scheduler.waitFor(id)).toEqual({
        id,
        status: "dead",
        error: 'No handler registered for task "known-elsewhere"',
      });
      expect((await h.scheduler.listDeadLetters())[0]).toMatchObject({ id, attempts: 0 });
    });

    it("a result that is not JSON-serialisable fails the attempt instead of being lost", async () => {
      h.registry.register(defineTask({ name: "bigint", input: z.null(), handler: () => 10n }));
      await h.start();
      const { id } = await h.scheduler.enqueue("bigint", null);
      expect(await h.scheduler.waitFor(id)).toEqual({
        id,
        status: "dead",
        error: "TypeError: The handler's result is not JSON-serialisable",
      });
    });

    it("retries without delay are claimed again at once and counted attempt by attempt", async () => {
      const seen: number[] = [];
      h.registry.register(
        defineTask({
          name: "again",
          input: z.null(),
          retry: { maxAttempts: 5, backoff: "fixed", delayMs: 0 },
          handler: (ctx) => {
            seen.push(ctx.attempt);
            if (ctx.attempt < 5) throw new Error(`try ${ctx.attempt}`);
            return ctx.attempt;
          },
        }),
      );
      const worker = await h.start(3);
      const { id } = await h.scheduler.enqueue("again", null);
      expect(await h.scheduler.waitFor(id)).toMatchObject({ status: "completed", result: 5 });
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      await until(() => worker.active === 0);
    });

    it("of many replays of one dead task at once exactly one reports the new task, and it runs once", async () => {
      const runs: number[] = [];
      h.registry.register(
        defineTask({
          name: "replayed",
          input: z.number(),
          handler: (_ctx, n) => {
            runs.push(n);
            // Fails on its first run only, so the dead task's replay completes.
            if (runs.length === 1) throw new Error("first run fails");
            return n;
          },
        }),
      );
      await h.start();
      const { id } = await h.scheduler.enqueue("replayed", 7);
      expect(await h.scheduler.waitFor(id)).toMatchObject({ status: "dead" });
      const replays = await Promise.all(Array.from({ length: 16 }, () => h.scheduler.replayDeadLetter(id)));
      const made = replays.filter((replay) => replay !== null);
      // Exactly one caller wins the DLQ entry; every other one gets null (docs/tasks.md).
      expect(made).toHaveLength(1);
      expect(await h.scheduler.waitFor(made[0]!.id)).toMatchObject({ status: "completed", result: 7 });
      expect(await h.scheduler.getTaskStatus(id)).toMatchObject({ replayedAs: made[0]!.id });
      expect(await h.scheduler.listDeadLetters()).toEqual([]);
      // A later replay finds nothing to take.
      expect(await h.scheduler.replayDeadLetter(id)).toBeNull();
      await sleep(100);
      // The dead run and exactly one replayed run.
      expect(runs).toEqual([7, 7]);
    });

    it("a purge racing a replay: each dead letter is either replayed or purged, never both, never lost", async () => {
      h.registry.register(
        defineTask({ name: "doomed", input: z.number(), handler: () => Promise.reject(new Error("no")) }),
      );
      const worker = await h.start();
      const dead: string[] = [];
      for (let i = 0; i < 24; i++) {
        const { id } = await h.scheduler.enqueue("doomed", i);
        dead.push(id);
      }
      for (const id of dead) expect(await h.scheduler.waitFor(id)).toMatchObject({ status: "dead" });
      // No worker runs the replays: the records stay as the race left them.
      await worker.stop({ drain: false });
      // The purge starts at a different point of the replay each time: a few promise jobs or a few
      // event-loop turns (a KV round trip on Redis) later, or first.
      const delays = dead.map((_, i) => async () => {
        if (i % 3 === 0) for (let step = 0; step < i * 2; step++) await null;
        else if (i % 3 === 1)
          for (let turn = 0; turn < i / 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      });
      let replayed = 0;
      let purged = 0;
      for (const [i, id] of dead.entries()) {
        const purge = (i % 3 === 2 ? Promise.resolve() : delays[i]!()).then(() => h.scheduler.purgeDeadLetter(id));
        const [replay, wasPurged] = await Promise.all([h.scheduler.replayDeadLetter(id), purge]);
        expect(replay === null, `${id}: exactly one of replay and purge wins`).toBe(wasPurged);
        const record = await h.scheduler.getTaskStatus(id);
        const replayKeys = (await h.kv.keys(`${h.prefix}idem:`)).filter((key) => key.endsWith(`replay:${id}`));
        if (replay !== null) {
          replayed++;
          expect(record).toMatchObject({ status: "dead", replayedAs: replay.id });
          expect(await h.scheduler.getTaskStatus(replay.id)).toMatchObject({ replayOf: id });
        } else {
          purged++;
          // Nothing of the dead task is left, and no replay of it was made.
          expect(record).toBeNull();
          expect(replayKeys).toEqual([]);
        }
        expect(await h.kv.keys(`${h.prefix}dlq-claim:`)).toEqual([]);
      }
      expect(await h.scheduler.listDeadLetters()).toEqual([]);
      expect(replayed + purged).toBe(dead.length);
    });

    it("refuses input that JSON would change, and bad idempotency options, before storing anything", async () => {
      h.registry.register(defineTask({ name: "dated", input: z.object({ at: z.date() }), handler: () => {} }));
      const error = await h.scheduler.enqueue("dated", { at: new Date() }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).toJSON()).toMatchObject({
        status: 400,
        code: "INVALID_PARAMETER",
        parameter: "input",
      });
      expect((error as ProblemError).message).toMatch(/survive JSON serialisation.*"at"/);
      h.registry.register(defineTask({ name: "plain", input: z.null(), handler: () => {} }));
      await expect(h.scheduler.enqueue("plain", null, { idempotencyKey: "" })).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
      await expect(
        h.scheduler.enqueue("plain", null, { idempotencyKey: "k", idempotencyTtlMs: 0 }),
      ).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
      await expect(h.scheduler.enqueue("plain", null, { runAt: Number.NaN })).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
      await expect(h.scheduler.enqueue({ name: "plain" } as never, null)).rejects.toMatchObject({
        code: "INVALID_PARAMETER",
      });
      expect(await h.kv.keys(`${h.prefix}task:`)).toEqual([]);
      expect(await h.kv.keys(`${h.prefix}idem:`)).toEqual([]);
    });

    it("the enqueue errors render as problem+json responses with stable codes", async () => {
      h.registry.register(defineTask({ name: "typed", input: z.object({ n: z.number() }), handler: () => {} }));
      const cases = [
        { call: () => h.scheduler.enqueue("typed", { n: "x" }), status: 400, code: "VALIDATION_ERROR" },
        { call: () => h.scheduler.enqueue("nowhere", {}), status: 404, code: "NOT_FOUND" },
        {
          call: () => h.scheduler.enqueue("typed", { n: 1 }, { priority: 0.5 }),
          status: 400,
          code: "INVALID_PARAMETER",
        },
        {
          call: () => h.scheduler.scheduleRecurring("typed", { n: "x" }, { cron: "* * * * *" }),
          status: 400,
          code: "VALIDATION_ERROR",
        },
        {
          call: () => h.scheduler.scheduleRecurring("typed", { n: 1 }, { cron: "61 * * * *" }),
          status: 400,
          code: "INVALID_PARAMETER",
        },
      ];
      for (const { call, status, code } of cases) {
        const error = (await call().catch((caught: unknown) => caught)) as ProblemError;
        expect(error).toBeInstanceOf(ProblemError);
        const response = error.getResponse();
        expect(response.status).toBe(status);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        const body = (await response.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ status, code });
        expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
      }
    });

    it("worker options that cannot work are refused when the pool starts", async () => {
      await expect(startTaskWorkers(h.kv, h.registry, 0)).rejects.toThrow(/n must be an integer/);
      await expect(startTaskWorkers(h.kv, h.registry, 1, { leaseMs: 100, heartbeatIntervalMs: 100 })).rejects.toThrow(
        /heartbeatIntervalMs must be shorter than leaseMs/,
      );
      await expect(startTaskWorkers(h.kv, h.registry, 1, { pollIntervalMs: -1 })).rejects.toThrow(/pollIntervalMs/);
    });
  });
}
