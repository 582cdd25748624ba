/**
 * The Durable Object KV against a real Durable Object in workerd: the shared KV behaviour suite
 * through the Worker-side client, then what only this backend has (persistence across a reset,
 * subscriptions that survive one, the sweep alarm).
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createDurableObjectKV } from "../../src/workers/kv-client";
import { runKVSuite } from "../helpers/kv-suite";
import { bundleFixture, COMPATIBILITY, namespaceThroughWorker, type NodeNamespace } from "./harness";

// The suite's 1,000-call tests are 1,000 HTTP round trips from Node here; on a loaded machine they
// need more than the default guard time (a guard against hangs, not a timing assertion).
vi.setConfig({ testTimeout: 120_000 });

let mf: Miniflare;
let namespace: NodeNamespace;

beforeAll(async () => {
  mf = new Miniflare({
    modules: true,
    script: await bundleFixture("kv-host"),
    ...COMPATIBILITY,
    durableObjects: { KV: { className: "TestKVObject", useSQLite: true } },
  });
  namespace = namespaceThroughWorker(mf, await mf.ready);
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

// One HTTP hop from Node to workerd per call: the expiry tests get ten times their TTLs.
runKVSuite("Durable Object", async () => createDurableObjectKV(namespace), { ttlScale: 10 });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await sleep(10);
  }
}

/** Resets the object as an eviction or crash does: the instance goes, its sockets close. */
async function resetObject(name = "covara"): Promise<void> {
  const stub = namespace.get(namespace.idFromName(name));
  await stub.fetch("https://covara-kv.internal/test/abort").catch(() => undefined);
}

describe("Durable Object KV specifics", () => {
  let kv: KV;

  beforeAll(() => {
    kv = createDurableObjectKV(namespace, { name: "specifics", reconnectDelayMs: 20 });
  });

  afterAll(async () => {
    await kv.close();
  });

  it("keeps strings, counters, TTLs and sorted sets across a reset of the object", async () => {
    await kv.set("persist:s", "v");
    await kv.incr("persist:n", 5);
    await kv.set("persist:t", "v", { ttlMs: 60_000 });
    await kv.zadd("persist:z", "m", 2.5);
    await resetObject("specifics");
    expect(await kv.get("persist:s")).toBe("v");
    expect(await kv.incr("persist:n")).toBe(6);
    expect(await kv.ttl("persist:t")).toBeGreaterThan(50_000);
    expect(await kv.zrange("persist:z")).toEqual([{ member: "m", score: 2.5 }]);
  });

  it("a subscription survives a reset: it reconnects and receives later messages", async () => {
    const received: string[] = [];
    const unsubscribe = await kv.subscribe("reset-channel", (message) => received.push(message));
    await kv.publish("reset-channel", "before");
    await waitFor(() => received.includes("before"));
    await resetObject("specifics");
    // Publish until the reconnected socket hears one: messages sent while it was down are lost.
    for (let round = 0; !received.includes(`after-${round - 1}`) && round < 100; round++) {
      await kv.publish("reset-channel", `after-${round}`);
      await sleep(25);
    }
    expect(received.some((message) => message.startsWith("after-"))).toBe(true);
    await unsubscribe();
  });

  it("rejects a subscription without a usable channel name", async () => {
    await expect(kv.subscribe("x".repeat(300), () => {})).rejects.toThrow(/subscribing/);
  });

  it("answers a malformed command with an error, never a crash", async () => {
    const stub = namespace.get(namespace.idFromName("specifics"));
    const response = await stub.fetch("https://covara-kv.internal/kv/command", {
      method: "POST",
      body: '{"op":"flushall","args":[]}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Unknown KV command" });
    const bad = await stub.fetch("https://covara-kv.internal/kv/command", { method: "POST", body: "not json" });
    expect(bad.status).toBe(400);
  });

  it("sweeps expired keys in bounded batches, asking for the next batch at once", async () => {
    const sweeper = createDurableObjectKV(namespace, { name: "sweep" });
    for (let i = 0; i < 5; i++) await sweeper.set(`gone:${i}`, "v", { ttlMs: 20 });
    await sweeper.set("kept", "v");
    await sleep(100);
    const stub = namespace.get(namespace.idFromName("sweep"));
    const first = await (await stub.fetch("https://covara-kv.internal/test/sweep?limit=2")).json();
    expect(first.rows).toBe(4);
    expect(first.next).toBeLessThanOrEqual(Date.now());
    const rest = await (await stub.fetch("https://covara-kv.internal/test/sweep?limit=10")).json();
    expect(rest).toEqual({ next: null, rows: 1 });
    await sweeper.close();
  });

  it("keeps Infinity bounds and scores through the wire", async () => {
    await kv.zadd("inf:z", "a", 1);
    await kv.zadd("inf:z", "b", 2);
    expect(await kv.zrange("inf:z", { min: -Infinity, max: Infinity })).toHaveLength(2);
    expect(await kv.zremRangeByScore("inf:z", -Infinity, 1)).toBe(1);
  });
});
