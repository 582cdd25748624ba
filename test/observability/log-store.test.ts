/**
 * The observability log (covara/observability), one test per bullet of the contract's
 * "Observability Storage" section, plus the audit entries the admin UI writes. The KV suites run
 * on the in-memory KV and on the real Redis (skipped with a printed reason without it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCovara } from "../../src/server";
import { createMemoryKV, setGlobalKV } from "../../src/kv";
import type { KV } from "../../src/kernel/kv";
import type { Logger } from "../../src/kernel/logger";
import {
  createKVObservabilityAdapter,
  createObservabilityLog,
  getObservabilityLog,
  setAdminAuditSink,
  type AuditEntry,
  type ObservabilityLogAdapter,
} from "../../src/observability";
import { closeTestRedis, openTestRedis } from "../helpers/test-redis";

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, error: (message) => warnings.push(message), warn: (message) => warnings.push(message) };
}

/** A KV that fails every call: a real memory KV, closed (its calls then reject). */
async function closedKV(): Promise<KV> {
  const kv = createMemoryKV();
  await kv.close();
  return kv;
}

describe("Observability Storage", () => {
  afterEach(() => {
    setGlobalKV(undefined);
  });

  it("Defaults preserve behavior: append-only logs backed by an in-memory ring buffer when no KV is configured", async () => {
    const app = createCovara();
    const log = getObservabilityLog(app);
    expect(log).toBe(app.context.observability);
    expect(log.persistent).toBe(false);
    log.audit({ action: "data_explorer_list", actorId: "admin-1", resource: "users" });
    log.append({ kind: "request", method: "GET", route: "/api/users", path: "/api/users", status: 200, durationMs: 3 });
    log.append({ kind: "error", message: "boom", code: "INTERNAL" });
    log.append({ kind: "metric", name: "queue_depth", value: 4, labels: { queue: "email" } });
    expect(
      log
        .recent()
        .map((entry) => entry.kind)
        .sort(),
    ).toEqual(["audit", "error", "metric", "request"]);
    expect(await log.query({ kind: "audit" })).toEqual(log.recent({ kind: "audit" }));

    // A ring buffer per kind: the oldest entries go, and request noise never evicts audit entries.
    const small = createObservabilityLog({ capacity: 3 });
    small.audit({ action: "keep" });
    for (let i = 0; i < 5; i++)
      small.append({ kind: "request", method: "GET", route: "/r", path: `/r${i}`, status: 200, durationMs: i });
    expect(small.recent({ kind: "request" }).map((entry) => entry.path)).toEqual(["/r4", "/r3", "/r2"]);
    expect(small.recent({ kind: "audit" })).toHaveLength(1);
  });

  it("Defaults preserve behavior: with a global KV (or the app's KV) they persist automatically", async () => {
    const globalKV = createMemoryKV();
    setGlobalKV(globalKV);
    const log = createObservabilityLog({ kv: () => globalKV });
    expect(log.persistent).toBe(true);
    log.audit({ action: "impersonate_execute", actorId: "admin-1", targetId: "user-7" });
    await log.flush();
    expect(await globalKV.zcard("covara:obs:audit")).toBe(1);

    // The default context follows setGlobalKV; an app follows its own kv.
    getObservabilityLog().audit({ action: "default_context" });
    await getObservabilityLog().flush();
    expect(await globalKV.zcard("covara:obs:audit")).toBe(2);

    const appKV = createMemoryKV();
    const app = createCovara({ kv: appKV });
    getObservabilityLog(app).append({
      kind: "request",
      method: "GET",
      route: "/api/x",
      path: "/api/x",
      status: 200,
      durationMs: 1,
    });
    await getObservabilityLog(app).flush();
    expect(await appKV.zcard("covara:obs:request")).toBe(1);
    await Promise.all([globalKV.close(), appKV.close()]);
  });

  it("append never throws: a failing storage backend never breaks the action; the in-memory mirror always records the entry", async () => {
    const logger = recordingLogger();
    const failingKV = await closedKV();
    const log = createObservabilityLog({ kv: () => failingKV, logger: () => logger });
    const entry = log.audit({ action: "api_explorer_execute", actorId: "admin-1" });
    expect(entry?.action).toBe("api_explorer_execute");
    await log.flush();
    expect(log.recent({ kind: "audit" })).toEqual([entry]);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain("observability");

    // An adapter that throws synchronously, one that rejects, a sink that throws, a logger that throws.
    const throwing: ObservabilityLogAdapter = {
      append: () => {
        throw new Error("sync failure");
      },
      query: () => Promise.reject(new Error("down")),
    };
    const hostile = createObservabilityLog({
      adapter: throwing,
      auditSink: () => {
        throw new Error("sink down");
      },
      logger: () => {
        throw new Error("logger down");
      },
    });
    expect(() => hostile.audit({ action: "still_recorded" })).not.toThrow();
    expect(hostile.recent({ kind: "audit" })[0]?.action).toBe("still_recorded");
    await expect(hostile.query()).rejects.toThrow("down");

    // Hostile input: a circular detail, a throwing getter, a 1 MB message, an unknown kind.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(log.audit({ action: "circular", detail: circular })?.detail).toEqual({ unserializable: true });
    const trap = {
      kind: "audit",
      get action(): string {
        throw new Error("trap");
      },
    };
    expect(() => log.append(trap as never)).not.toThrow();
    const huge = log.append({ kind: "error", message: "x".repeat(1_000_000) });
    expect(huge?.kind === "error" && huge.message.length).toBeLessThan(3000);
    expect(log.append({ kind: "nonsense" } as never)).toBeUndefined();
    await log.flush();
  });

  it("setAdminAuditSink is write-only: it runs alongside the adapter and is for forwarding only; durable read/query/export requires an ObservabilityLogAdapter", async () => {
    const forwarded: AuditEntry[] = [];
    const app = createCovara();
    setAdminAuditSink((entry) => {
      forwarded.push(entry);
    }, app);
    const log = getObservabilityLog(app);
    log.audit({ action: "impersonate_execute", actorId: "admin-1", targetId: "user-7" });
    log.append({ kind: "request", method: "GET", route: "/", path: "/", status: 200, durationMs: 1 });
    await log.flush();
    // Only audit entries are forwarded; a sink alone makes nothing durable.
    expect(forwarded.map((entry) => [entry.action, entry.actorId, entry.targetId])).toEqual([
      ["impersonate_execute", "admin-1", "user-7"],
    ]);
    expect(log.persistent).toBe(false);

    // Alongside an adapter: both get the entry, and reads come from the adapter.
    const kv = createMemoryKV();
    const adapter = createKVObservabilityAdapter(kv, { prefix: "audit-only:" });
    const durable = createObservabilityLog({ adapter, auditSink: (entry) => void forwarded.push(entry) });
    durable.audit({ action: "api_explorer_execute", actorId: "admin-2" });
    await durable.flush();
    expect(forwarded).toHaveLength(2);
    expect((await adapter.query({ kind: "audit" })).map((entry) => entry.kind === "audit" && entry.actorId)).toEqual([
      "admin-2",
    ]);
    setAdminAuditSink(undefined, app);
    log.audit({ action: "after_removal" });
    await log.flush();
    expect(forwarded).toHaveLength(2);
    await kv.close();
  });
});

describe.each([
  ["memory KV", async (): Promise<KV | string> => createMemoryKV()],
  ["Redis", () => openTestRedis("observability")],
])("Observability Storage on %s", (_name, open) => {
  let kv: KV | string;
  beforeAll(async () => {
    kv = await open();
  });
  afterAll(async () => {
    await closeTestRedis(kv);
  });

  it("Cross-process reads: in KV mode synchronous reads reflect only the local process mirror; authoritative cross-instance reads use the async query()/export() path", async (context) => {
    if (typeof kv === "string") return context.skip();
    const shared = kv;
    const prefix = `obs-cross-${Math.random().toString(36).slice(2)}:`;
    const instanceA = createObservabilityLog({ kv: () => shared, kvOptions: { prefix } });
    const instanceB = createObservabilityLog({ kv: () => shared, kvOptions: { prefix } });
    instanceA.audit({ action: "impersonate_execute", actorId: "admin-1", targetId: "user-7", time: 1000 });
    instanceB.audit({
      action: "data_explorer_list",
      actorId: "admin-1",
      targetId: "user-7",
      resource: "posts",
      time: 2000,
    });
    instanceB.append({
      kind: "request",
      method: "POST",
      route: "/api/posts",
      path: "/api/posts",
      status: 201,
      durationMs: 9,
      time: 3000,
    });
    await Promise.all([instanceA.flush(), instanceB.flush()]);

    expect(instanceA.recent({ kind: "audit" }).map((entry) => entry.action)).toEqual(["impersonate_execute"]);
    const audits = await instanceA.query({ kind: "audit" });
    expect(audits.map((entry) => entry.action)).toEqual(["data_explorer_list", "impersonate_execute"]);
    expect(audits.every((entry) => entry.actorId === "admin-1" && entry.targetId === "user-7")).toBe(true);
    expect((await instanceA.query({ action: "impersonate_execute" })).map((entry) => entry.kind)).toEqual(["audit"]);
    expect(await instanceA.query({ since: 2500 })).toHaveLength(1);
    expect(await instanceA.query({ limit: 2 })).toHaveLength(2);

    const lines = (await instanceB.export())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((entry) => entry.time)).toEqual([1000, 2000, 3000]);
  });

  it("trims by count and age", async (context) => {
    if (typeof kv === "string") return context.skip();
    const shared = kv;
    const prefix = `obs-trim-${Math.random().toString(36).slice(2)}:`;
    const adapter = createKVObservabilityAdapter(shared, { prefix, maxEntriesPerKind: 10, retentionMs: 60_000 });
    const now = Date.now();
    for (let i = 0; i < 300; i++)
      await adapter.append({
        kind: "metric",
        id: `m${String(i).padStart(4, "0")}`,
        time: now - 300 + i,
        name: "n",
        value: i,
      });
    expect(await shared.zcard(`${prefix}metric`)).toBeLessThanOrEqual(10 + 300 - 256);
    const newest = await adapter.query({ kind: "metric", limit: 1 });
    expect(newest[0]?.id).toBe("m0299");
  });
});
