/**
 * The task Durable Object in workerd (Miniflare, real Durable Objects and alarms): a Worker enqueues
 * through the object's stub with the ordinary scheduler, the object's alarm runs the tasks. Covers
 * immediate and delayed tasks, retries with and without backoff, the DLQ and its hook, replay,
 * recurring schedules, a reset of the object mid-task (and a task that keeps being cut short), and
 * bad input at enqueue and at run time.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { bundleFixture, COMPATIBILITY } from "./harness";

// Guards against hangs on a loaded machine, not timing assertions.
vi.setConfig({ testTimeout: 60_000 });

let mf: Miniflare;

beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: await bundleFixture("task-object"),
    ...COMPATIBILITY,
    durableObjects: { TASKS: { className: "TestTaskObject", useSQLite: true } },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(path: string, body?: unknown): Promise<{ status: number; type: string; json: any }> {
  const response = await mf.dispatchFetch(
    `http://tasks.test${path}`,
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body) },
  );
  return { status: response.status, type: response.headers.get("content-type") ?? "", json: await response.json() };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, guardMs = 30_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

/** A queue per test group: the object instance named `o`. */
function queue(o: string) {
  return {
    enqueue: async (task: string, input: unknown, options: Record<string, unknown> = {}) => {
      const { status, json } = await call(`/enqueue?o=${o}`, { task, input, options });
      expect(status).toBe(200);
      return json.id as string;
    },
    status: async (id: string) => (await call(`/status/${id}?o=${o}`)).json,
    settled: (id: string) =>
      until(
        async () => (await call(`/status/${id}?o=${o}`)).json,
        (s) => s?.status === "completed" || s?.status === "dead",
      ),
    alarm: async () => (await call(`/do/${o}/test/alarm`)).json.alarm as number | null,
    abort: () => mf.dispatchFetch(`http://tasks.test/do/${o}/test/abort`).catch(() => undefined),
  };
}

describe("the task Durable Object", () => {
  const q = queue("runs");

  it("runs an enqueued task from its alarm and keeps the result", async () => {
    const id = await q.enqueue("double", { n: 21 });
    const status = await q.settled(id);
    expect(status).toMatchObject({ id, name: "double", status: "completed", attempt: 1, result: { doubled: 42 } });
    expect(status).not.toHaveProperty("claimToken");
  });

  it("waitFor in the Worker hears the task finish in the object", async () => {
    const id = await q.enqueue("slow", { ms: 300 });
    const { json } = await call(`/wait/${id}?o=runs`);
    expect(json).toEqual({ id, status: "completed", result: { slept: 300 } });
  });

  it("runs a delayed task no earlier than its run time, woken by the alarm", async () => {
    const enqueuedAt = Date.now();
    const id = await q.enqueue("double", { n: 1 }, { delayMs: 1500 });
    const pending = await q.status(id);
    expect(pending).toMatchObject({ status: "pending", attempt: 0 });
    const alarm = await q.alarm();
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(pending.runAt);
    const done = await q.settled(id);
    expect(done).toMatchObject({ status: "completed", result: { doubled: 2 } });
    expect(done.startedAt).toBeGreaterThanOrEqual(pending.runAt);
    expect(done.startedAt - enqueuedAt).toBeGreaterThanOrEqual(1500);
  });

  it("retries a failing task until it succeeds", async () => {
    const id = await q.enqueue("flaky-twice", {});
    expect(await q.settled(id)).toMatchObject({ status: "completed", attempt: 3, result: { attempt: 3 } });
  });

  it("drains more due tasks than one alarm may start, alarm after alarm, with no request to wake it", async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, (_, n) => q.enqueue("double", { n })));
    // No request reaches the object meanwhile: only its own re-armed alarms can run the rest
    // (3 attempts per alarm in this fixture).
    await sleep(3000);
    const lookedAt = Date.now();
    const statuses = await Promise.all(ids.map((id) => q.status(id)));
    for (const [n, status] of statuses.entries()) {
      expect(status).toMatchObject({ status: "completed", result: { doubled: n * 2 } });
      expect(status.finishedAt).toBeLessThan(lookedAt);
    }
  });

  it("runs tasks side by side (concurrency 2)", async () => {
    const started = Date.now();
    const ids = await Promise.all([q.enqueue("slow", { ms: 800 }), q.enqueue("slow", { ms: 800 })]);
    const done = await Promise.all(ids.map((id) => q.settled(id)));
    for (const status of done) expect(status).toMatchObject({ status: "completed", progress: 0.5 });
    const [a, b] = done;
    // The second started before the first finished.
    expect(Math.max(a.startedAt, b.startedAt)).toBeLessThan(Math.min(a.finishedAt, b.finishedAt));
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });
});

describe("the task Durable Object's dead-letter queue", () => {
  const q = queue("dlq");

  it("dead-letters a task after maxAttempts, waiting its backoff between attempts, and calls the hook", async () => {
    const id = await q.enqueue("always-fails", {});
    const status = await q.settled(id);
    expect(status).toMatchObject({ status: "dead", attempt: 3, error: "this task always fails" });
    // Two retries of 300 ms each, both woken by the alarm.
    expect(status.finishedAt - status.createdAt).toBeGreaterThanOrEqual(600);
    const letters = (await call("/dlq?o=dlq")).json;
    expect(letters).toEqual([
      expect.objectContaining({ id, name: "always-fails", attempts: 3, error: "this task always fails" }),
    ]);
    expect((await call("/do/dlq/test/hooked")).json).toContain(id);
  });

  it("replays a dead letter as a new task that names it", async () => {
    const id = await q.enqueue("fail-first", { key: "k1" });
    expect(await q.settled(id)).toMatchObject({ status: "dead", attempt: 1, error: "first run of k1" });
    const replay = await call(`/dlq/${id}/replay?o=dlq`, {});
    expect(replay.json).toEqual({ id: expect.any(String) });
    const replayed = await q.settled(replay.json.id);
    expect(replayed).toMatchObject({ status: "completed", result: { key: "k1" }, replayOf: id, lineage: [id] });
    expect(await q.status(id)).toMatchObject({ status: "dead", replayedAs: replay.json.id });
    const letters = (await call("/dlq?o=dlq")).json as Array<{ id: string }>;
    expect(letters.map((letter) => letter.id)).not.toContain(id);
    // A second replay of the same letter makes nothing.
    expect((await call(`/dlq/${id}/replay?o=dlq`, {})).json).toBeNull();
  });
});

describe("recurring tasks on the task Durable Object", () => {
  const q = queue("cron");

  it("arms the alarm for a schedule's next occurrence", async () => {
    const { json } = await call("/recurring?o=cron", {
      task: "tick",
      input: { label: "minutely" },
      cron: "* * * * *",
      key: "minutely",
    });
    expect(json.key).toBe("minutely");
    expect(json.nextRunAt % 60_000).toBe(0);
    expect(json.nextRunAt).toBeGreaterThan(Date.now());
    const alarm = await q.alarm();
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(json.nextRunAt);
  });

  it("fires an occurrence that came due while the object slept, then moves the schedule on", async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const schedule = {
      key: "missed",
      task: "tick",
      input: { label: "missed" },
      cron: "* * * * *",
      timezone: "UTC",
      catchUp: "once",
      priority: 0,
      lastOccurrence: minute - 60_000,
      nextRunAt: minute,
    };
    expect((await call("/raw-schedule?o=cron", schedule)).status).toBe(200);
    const run = await until(
      async () => (await call(`/occurrence?o=cron&task=tick&key=missed&at=${minute}`)).json.id as string | null,
      (id) => id !== null,
    );
    expect(run).not.toBeNull();
    expect(await q.settled(run!)).toMatchObject({
      status: "completed",
      result: { label: "missed" },
      schedule: { key: "missed", occurrence: minute },
    });
    const schedules = (await call("/recurring?o=cron")).json as Array<{
      key: string;
      nextRunAt: number;
      lastOccurrence: number;
    }>;
    const moved = schedules.find((s) => s.key === "missed");
    expect(moved?.lastOccurrence).toBe(minute);
    expect(moved?.nextRunAt).toBeGreaterThan(minute);
    expect((await q.alarm())!).toBeLessThanOrEqual(moved!.nextRunAt);
  });
});

describe("the task Durable Object reset mid-queue", () => {
  const q = queue("reset");

  it("an attempt cut short by a reset runs again from storage, uncharged, and the queue behind it runs too", async () => {
    const slow = await q.enqueue("slow", { ms: 1500 });
    await until(
      () => q.status(slow),
      (s) => s?.status === "running",
    );
    const queued = await q.enqueue("double", { n: 5 }, { delayMs: 300 });
    await q.abort();
    // The next request builds a new instance: it reaps the lapsed lease and re-arms the alarm.
    const done = await q.settled(slow);
    expect(done).toMatchObject({ status: "completed", attempt: 1, lapses: 1, result: { slept: 1500 } });
    expect(await q.settled(queued)).toMatchObject({ status: "completed", result: { doubled: 10 } });
  });

  it("a task cut short maxLapses times is dead-lettered, not run into a loop", async () => {
    const id = await q.enqueue("slow", { ms: 5000 });
    await until(
      () => q.status(id),
      (s) => s?.status === "running",
    );
    await q.abort();
    await until(
      () => q.status(id),
      (s) => s?.status === "running" && s.lapses === 1,
    );
    await q.abort();
    const dead = await q.settled(id);
    expect(dead).toMatchObject({ status: "dead", lapses: 2 });
    expect(dead.error).toMatch(/Lease expired/);
    expect(((await call("/dlq?o=reset")).json as Array<{ id: string }>).map((l) => l.id)).toContain(id);
  });
});

describe("bad input and the task Durable Object", () => {
  const q = queue("bad");

  it("refuses an unknown task name at enqueue with a not-found problem", async () => {
    const { status, type, json } = await call("/enqueue?o=bad", { task: "no-such-task", input: {} });
    expect(status).toBe(404);
    expect(type).toContain("application/problem+json");
    expect(json).toMatchObject({ code: "NOT_FOUND", task: "no-such-task" });
  });

  it("refuses input the task's schema rejects, and bad options, sending nothing to run", async () => {
    const invalid = await call("/enqueue?o=bad", { task: "double", input: { n: "x" } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.code).toBe("VALIDATION_ERROR");
    const badDelay = await call("/enqueue?o=bad", { task: "double", input: { n: 1 }, options: { delayMs: -1 } });
    expect(badDelay.status).toBe(400);
    expect(badDelay.json).toMatchObject({ code: "INVALID_PARAMETER", parameter: "delayMs" });
  });

  it("dead-letters a task the object has no handler for, and a payload its schema no longer accepts", async () => {
    const ghost = await q.enqueue("ghost", {});
    const evolving = await q.enqueue("evolving", { v: 1 });
    expect(await q.settled(ghost)).toMatchObject({
      status: "dead",
      attempt: 0,
      error: 'No handler registered for task "ghost"',
    });
    const dead = await q.settled(evolving);
    expect(dead).toMatchObject({ status: "dead", attempt: 1 });
    expect(dead.error).toMatch(/ZodError|expected string/i);
    // Nothing left to do: the alarm is not kept firing (only the results' TTL sweep, a day out).
    const alarm = await q.alarm();
    expect(alarm === null || alarm > Date.now() + 60_000).toBe(true);
  });
});
