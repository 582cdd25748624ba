import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv/memory";
import {
  computeBackoffDelay,
  createTaskRegistry,
  createTaskScheduler,
  defineTask,
  type TaskScheduler,
} from "../../src/tasks";

const at = (iso: string) => Date.parse(iso);

describe("catch-up policies for missed occurrences", () => {
  let kv: KV;
  let scheduler: TaskScheduler;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at("2024-01-01T00:00:30Z"));
    kv = createMemoryKV({ sweepIntervalMs: 0 });
    const registry = createTaskRegistry().register(
      defineTask({ name: "report", input: z.object({}), handler: () => {} }),
    );
    scheduler = createTaskScheduler(kv, registry);
  });

  afterEach(async () => {
    vi.useRealTimers();
    await kv.close();
  });

  async function occurrences(): Promise<string[]> {
    const ids = [...(await kv.zrange("covara:tasks:ready")), ...(await kv.zrange("covara:tasks:scheduled"))];
    const list: string[] = [];
    for (const { member } of ids) {
      const status = await scheduler.getTaskStatus(member);
      list.push(new Date(status!.schedule!.occurrence).toISOString());
    }
    return list.sort();
  }

  it('"all" enqueues every missed occurrence, then waits for the next', async () => {
    const { nextRunAt } = await scheduler.scheduleRecurring("report", {}, { cron: "*/10 * * * *", catchUp: "all" });
    expect(nextRunAt).toBe(at("2024-01-01T00:10:00Z"));
    expect(await scheduler.runDueSchedules(at("2024-01-01T00:35:00Z"))).toBe(3);
    expect(await occurrences()).toEqual([
      "2024-01-01T00:10:00.000Z",
      "2024-01-01T00:20:00.000Z",
      "2024-01-01T00:30:00.000Z",
    ]);
    expect(await scheduler.runDueSchedules(at("2024-01-01T00:36:00Z"))).toBe(0);
    expect((await scheduler.listRecurring())[0]).toMatchObject({ nextRunAt: at("2024-01-01T00:40:00Z") });
  });

  it('"once" enqueues only the latest missed occurrence', async () => {
    await scheduler.scheduleRecurring("report", {}, { cron: "*/10 * * * *", catchUp: "once" });
    expect(await scheduler.runDueSchedules(at("2024-01-01T00:35:00Z"))).toBe(1);
    expect(await occurrences()).toEqual(["2024-01-01T00:30:00.000Z"]);
  });

  it('"skip" drops occurrences older than the grace and runs an on-time one', async () => {
    await scheduler.scheduleRecurring("report", {}, { cron: "*/10 * * * *", catchUp: "skip" });
    expect(await scheduler.runDueSchedules(at("2024-01-01T00:35:00Z"), 60_000)).toBe(0);
    expect(await scheduler.runDueSchedules(at("2024-01-01T00:40:20Z"), 60_000)).toBe(1);
    expect(await occurrences()).toEqual(["2024-01-01T00:40:00.000Z"]);
  });

  it("rescheduling keeps the progress mark; unscheduling removes it", async () => {
    await scheduler.scheduleRecurring("report", {}, { cron: "*/10 * * * *", catchUp: "all" });
    await scheduler.runDueSchedules(at("2024-01-01T00:15:00Z"));
    const again = await scheduler.scheduleRecurring("report", {}, { cron: "*/5 * * * *", catchUp: "all" });
    expect(again.nextRunAt).toBe(at("2024-01-01T00:15:00Z"));
    expect(await scheduler.unscheduleRecurring("report")).toBe(true);
    expect(await scheduler.listRecurring()).toEqual([]);
  });

  it("validates cron, time zone, catch-up policy and input when scheduling", async () => {
    await expect(scheduler.scheduleRecurring("report", {}, { cron: "bad" })).rejects.toMatchObject({
      code: "INVALID_PARAMETER",
    });
    await expect(
      scheduler.scheduleRecurring("report", {}, { cron: "* * * * *", timezone: "Mars/Olympus" }),
    ).rejects.toThrow("Unknown time zone");
    await expect(
      scheduler.scheduleRecurring("report", {}, { cron: "* * * * *", catchUp: "most" as never }),
    ).rejects.toThrow("catchUp");
    await expect(scheduler.scheduleRecurring("report", 5, { cron: "* * * * *" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    await expect(scheduler.scheduleRecurring("nope", {}, { cron: "* * * * *" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(scheduler.scheduleRecurring("report", {}, { cron: "0 0 31 2 *" })).rejects.toThrow("never fires");
  });
});

describe("backoff", () => {
  const policy = (backoff: "exponential" | "linear" | "fixed", jitter = 0) => ({
    maxAttempts: 9,
    backoff,
    delayMs: 100,
    maxDelayMs: 1000,
    jitter,
  });

  it("computes exponential, linear and fixed delays, capped", () => {
    expect([1, 2, 3, 4, 5].map((n) => computeBackoffDelay(policy("exponential"), n))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect([1, 2, 3].map((n) => computeBackoffDelay(policy("linear"), n))).toEqual([100, 200, 300]);
    expect([1, 2, 3].map((n) => computeBackoffDelay(policy("fixed"), n))).toEqual([100, 100, 100]);
  });

  it("jitter only ever shortens a delay, by at most the fraction", () => {
    expect(computeBackoffDelay(policy("fixed", 0.5), 1, () => 1)).toBe(50);
    expect(computeBackoffDelay(policy("fixed", 0.5), 1, () => 0)).toBe(100);
  });

  it("defineTask rejects a bad policy", () => {
    expect(() =>
      defineTask({ name: "x", input: z.null(), retry: { maxAttempts: 0, backoff: "fixed" }, handler: () => {} }),
    ).toThrow("maxAttempts");
    expect(() => defineTask({ name: "x y", input: z.null(), handler: () => {} })).toThrow("name");
    expect(() => defineTask({ name: "x", input: z.null(), maxConcurrency: 0, handler: () => {} })).toThrow(
      "maxConcurrency",
    );
  });
});
