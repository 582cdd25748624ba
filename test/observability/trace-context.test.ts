/** W3C traceparent: parsing and validation, new traces, the async scope and tracedFetch on a real local server. */
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  currentTrace,
  enableTraceScope,
  formatTraceparent,
  parseTraceparent,
  runWithTrace,
  traceFromHeader,
  tracedFetch,
} from "../../src/observability";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("parseTraceparent", () => {
  it("accepts the specification's example", () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      flags: 1,
    });
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["upper case", VALID.toUpperCase()],
    ["version ff", VALID.replace(/^00/, "ff")],
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
    ["extra field on version 00", `${VALID}-extra`],
    ["garbage", "<script>alert(1)</script>"],
    ["huge", `${VALID}${"x".repeat(100_000)}`],
  ])("rejects %s", (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it("accepts a future version with extra fields", () => {
    expect(parseTraceparent(`01-${VALID.slice(3)}-future`)?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});

describe("traceFromHeader", () => {
  it("continues a valid trace with a new span of ours", () => {
    const trace = traceFromHeader(VALID);
    expect(trace.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(trace.parentSpanId).toBe("00f067aa0ba902b7");
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe("00f067aa0ba902b7");
  });

  it("replaces a malformed header with a new sampled trace", () => {
    const trace = traceFromHeader("00-zz-zz-01");
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.parentSpanId).toBeUndefined();
    expect(parseTraceparent(formatTraceparent(trace))).toEqual({
      traceId: trace.traceId,
      spanId: trace.spanId,
      flags: 1,
    });
  });
});

describe("tracedFetch", () => {
  let server: Server;
  let url: string;
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const header = req.headers.traceparent;
      seen.push(typeof header === "string" ? header : undefined);
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    enableTraceScope(AsyncLocalStorage);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends a child span of the current trace across awaits, and nothing outside a trace", async () => {
    const trace = traceFromHeader(VALID);
    await runWithTrace(trace, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentTrace()).toBe(trace);
      await (await tracedFetch(url)).text();
      await (await tracedFetch(url, { headers: { traceparent: VALID } })).text();
    });
    await (await tracedFetch(url)).text();
    const [child, explicit, outside] = seen;
    const parsed = parseTraceparent(child);
    expect(parsed?.traceId).toBe(trace.traceId);
    expect(parsed?.spanId).not.toBe(trace.spanId);
    expect(explicit).toBe(VALID);
    expect(outside).toBeUndefined();
  });
});
