/**
 * Tasks on Cloudflare Queues in workerd: real Queue producer and consumer bindings, task records and
 * the DLQ in the Durable Object KV. Retries follow the task's policy through Queues redelivery; a
 * task that keeps failing lands in covara's dead-letter list, as on Redis.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture, COMPATIBILITY } from "./harness";

let mf: Miniflare;

beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: await bundleFixture("queue-tasks"),
    ...COMPATIBILITY,
    durableObjects: { COVARA_KV: { className: "CovaraKVDurableObject", useSQLite: true } },
    queueProducers: { TASKS: { queueName: "covara-tasks" } },
    // max_retries above every task's maxAttempts: covara, not Queues, decides when a task is dead.
    queueConsumers: { "covara-tasks": { maxBatchTimeout: 0.05, maxRetries: 10 } },
  });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

async function call(path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await mf.dispatchFetch(
    `http://tasks.test${path}`,
    body === undefined ? {} : { method: "POST", body: JSON.stringify(body) },
  );
  return { status: response.status, json: await response.json() };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, guardMs = 20_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const statusOf = (id: string) =>
  until(
    async () => (await call(`/status/${id}`)).json,
    (s) => s?.status === "completed" || s?.status === "dead",
  );

describe("tasks on Cloudflare Queues", () => {
  it("runs a task delivered by the queue and keeps its result in the KV", async () => {
    const { json } = await call("/enqueue", { task: "double", input: { n: 21 } });
    const status = await statusOf(json.id);
    expect(status).toMatchObject({ status: "completed", attempt: 1, result: { doubled: 42 } });
  });

  it("retries a failing task through redelivery until it succeeds", async () => {
    const { json } = await call("/enqueue", { task: "flaky-twice", input: {} });
    const status = await statusOf(json.id);
    expect(status).toMatchObject({ status: "completed", attempt: 3, result: { attempt: 3 } });
  });

  it("a task that keeps failing lands in the DLQ after maxAttempts, and the hook hears it", async () => {
    const { json } = await call("/enqueue", { task: "always-fails", input: {} });
    const status = await statusOf(json.id);
    expect(status).toMatchObject({ status: "dead", attempt: 3, error: "this task always fails" });
    const dlq = (await call("/dlq")).json;
    expect(dlq.letters).toEqual([
      expect.objectContaining({ id: json.id, name: "always-fails", attempts: 3, error: "this task always fails" }),
    ]);
    expect(dlq.hooked).toEqual([json.id]);
  });

  it("refuses input the task's schema rejects at enqueue, sending nothing", async () => {
    const { status, json } = await call("/enqueue", { task: "double", input: { n: "not a number" } });
    expect(status).toBe(400);
    expect(json.error).toMatch(/input/i);
  });
});
