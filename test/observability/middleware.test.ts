/**
 * The observability middleware inside createCovara: traces, request and error entries by route
 * pattern, metrics, the protected Prometheus endpoint, and a failing log store that never breaks
 * a request.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCovara, type CovaraOptions } from "../../src/server";
import { pushTables } from "../../src/db";
import { createMemoryKV } from "../../src/kv";
import {
  createJsonLogger,
  enableTraceScope,
  getMetrics,
  getObservabilityLog,
  parseTraceparent,
  PROMETHEUS_CONTENT_TYPE,
  type LogRecord,
  type ObservabilityLogAdapter,
} from "../../src/observability";
import { OPEN, send } from "../helpers/app";
import { sqliteSchema } from "../helpers/schema";

const { users } = sqliteSchema();
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TOKEN = "metrics-token-0123456789";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => enableTraceScope(AsyncLocalStorage));

async function usersApp(options: CovaraOptions = {}) {
  const client = new Database(":memory:");
  cleanups.push(() => client.close());
  const db = drizzle(client);
  await pushTables(db, [users]);
  const app = createCovara(options).resource("/users", users, { id: users.id, db, auth: OPEN });
  app.get("/boom", () => {
    throw new Error("secret internals");
  });
  return app;
}

describe("observability middleware", () => {
  it("records each request by route pattern with its status, duration and trace id", async () => {
    const app = await usersApp();
    const created = await send(app, "POST", "/api/users", {
      body: { name: "Ada", email: "ada@example.com" },
      headers: { traceparent: TRACEPARENT },
    });
    expect(created.status).toBe(201);
    await send(app, "GET", `/api/users/${created.body.id}?select=name`);
    await send(app, "GET", "/api/nothing-here/at/all");
    const entries = getObservabilityLog(app).recent({ kind: "request" });
    expect(entries.map((entry) => [entry.method, entry.route, entry.status])).toEqual([
      ["GET", "(unmatched)", 404],
      ["GET", "/api/users/:id", 200],
      ["POST", "/api/users", 201],
    ]);
    expect(entries[1]?.path).toBe(`/api/users/${created.body.id}`); // never the query string
    expect(entries[2]?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(entries.every((entry) => entry.durationMs >= 0)).toBe(true);
    const snapshot = getMetrics(app).snapshot();
    expect(snapshot.covara_http_requests_total?.series).toContainEqual({
      labels: { method: "GET", route: "/api/users/:id", status: "200" },
      value: 1,
    });
    expect(snapshot.covara_http_request_duration_seconds?.series).toHaveLength(3);
  });

  it("ignores a malformed traceparent and starts a new trace", async () => {
    const app = await usersApp();
    for (const header of ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", `${TRACEPARENT}-x`]) {
      expect((await send(app, "GET", "/api/users", { headers: { traceparent: header } })).status).toBe(200);
    }
    const ids = getObservabilityLog(app)
      .recent({ kind: "request" })
      .map((entry) => entry.traceId);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-01`)).toBeDefined();
  });

  it("records an error entry for a 500 and puts the trace id in the logger's line; the client sees no internals", async () => {
    const lines: LogRecord[] = [];
    const app = await usersApp({ logger: createJsonLogger({ sink: (_line, record) => lines.push(record) }) });
    const res = await send(app, "GET", "/boom", { headers: { traceparent: TRACEPARENT } });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain("secret internals");
    const [error] = getObservabilityLog(app).recent({ kind: "error" });
    expect(error).toMatchObject({
      message: "secret internals",
      status: 500,
      route: "/boom",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    });
    expect(lines.find((line) => line.level === "error")?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("a failing log store never breaks a request", async () => {
    const failing: ObservabilityLogAdapter = {
      append: () => Promise.reject(new Error("store down")),
      query: () => Promise.reject(new Error("store down")),
    };
    const closed = createMemoryKV();
    await closed.close();
    const warnings: string[] = [];
    const logger = {
      error: (message: string) => warnings.push(message),
      warn: (message: string) => warnings.push(message),
    };
    for (const options of [{ observability: { adapter: failing } }, { kv: closed }] satisfies CovaraOptions[]) {
      const app = await usersApp({ ...options, logger });
      const created = await send(app, "POST", "/api/users", { body: { name: "Bo", email: "bo@example.com" } });
      expect(created.status).toBe(201);
      const listed = await send(app, "GET", "/api/users");
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
      await getObservabilityLog(app).flush();
      expect(getObservabilityLog(app).recent({ kind: "request" })).toHaveLength(2);
    }
    expect(warnings.some((warning) => warning.includes("observability"))).toBe(true);
  });

  it("can be left out", async () => {
    const app = await usersApp({ observability: false });
    await send(app, "GET", "/api/users");
    expect(getObservabilityLog(app).recent()).toEqual([]);
  });
});

describe("/__covara/metrics", () => {
  it("is not served unless configured", async () => {
    const app = await usersApp();
    expect((await send(app, "GET", "/__covara/metrics")).status).toBe(404);
  });

  it("refuses to be created unprotected", async () => {
    await expect(usersApp({ observability: { metricsEndpoint: {} } })).rejects.toThrow(TypeError);
    await expect(usersApp({ observability: { metricsEndpoint: { token: "short" } } })).rejects.toThrow(TypeError);
  });

  it("answers 401 without a token, 403 with a wrong one, and the text format with the right one", async () => {
    const app = await usersApp({ observability: { metricsEndpoint: { token: TOKEN } } });
    await send(app, "GET", "/api/users");
    const anonymous = await send(app, "GET", "/__covara/metrics");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
    expect(anonymous.body.code).toBe("UNAUTHORIZED");
    const wrong = await send(app, "GET", "/__covara/metrics", {
      headers: { authorization: "Bearer not-the-token-at-all" },
    });
    expect(wrong.status).toBe(403);
    const scraped = await send(app, "GET", "/__covara/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(scraped.text).toContain("# TYPE covara_http_request_duration_seconds histogram\n");
    expect(scraped.text).toContain('covara_http_requests_total{method="GET",route="/api/users",status="200"} 1\n');
    expect(scraped.text).toContain(
      'covara_http_request_duration_seconds_bucket{method="GET",route="/api/users",le="+Inf"} 1\n',
    );
    expect(scraped.text).not.toContain("/__covara/metrics"); // the scrape itself is not counted
  });

  it("lets an authorize predicate in", async () => {
    const app = await usersApp({
      observability: { metricsEndpoint: { authorize: (c) => c.req.header("x-internal") === "yes" } },
    });
    expect((await send(app, "GET", "/__covara/metrics", { headers: { "x-internal": "yes" } })).status).toBe(200);
    expect((await send(app, "GET", "/__covara/metrics")).status).toBe(401);
  });
});
