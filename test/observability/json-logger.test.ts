/** The JSON logger: levels, COVARA_LOG_LEVEL, the sink, trace ids, bounded lines, never throwing. */
import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, describe, expect, it } from "vitest";
import {
  createJsonLogger,
  enableTraceScope,
  runWithTrace,
  traceFromHeader,
  type LogRecord,
} from "../../src/observability";

function capture(): { lines: string[]; records: LogRecord[]; sink: (line: string, record: LogRecord) => void } {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  return { lines, records, sink: (line, record) => (lines.push(line), records.push(record)) };
}

describe("createJsonLogger", () => {
  afterEach(() => {
    delete process.env.COVARA_LOG_LEVEL;
  });

  it("writes one JSON object per line with time, level, msg, meta and fields", () => {
    const out = capture();
    const logger = createJsonLogger({ sink: out.sink, fields: { service: "api" } });
    logger.info("started", { port: 3000 });
    logger.error("failed", new TypeError("bad"), { step: 2 });
    const [first, second] = out.lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: "info", msg: "started", port: 3000, service: "api" });
    expect(Date.parse(first.time)).not.toBeNaN();
    expect(second).toMatchObject({
      level: "error",
      msg: "failed",
      step: 2,
      error: { name: "TypeError", message: "bad" },
    });
  });

  it("honours the level and COVARA_LOG_LEVEL; an unknown value falls back to info", () => {
    const out = capture();
    createJsonLogger({ sink: out.sink, level: "warn" }).info("dropped");
    process.env.COVARA_LOG_LEVEL = "DEBUG";
    const debug = createJsonLogger({ sink: out.sink });
    expect(debug.level).toBe("debug");
    debug.debug("kept");
    process.env.COVARA_LOG_LEVEL = "toString";
    expect(createJsonLogger({ sink: out.sink }).level).toBe("info");
    process.env.COVARA_LOG_LEVEL = "silent";
    createJsonLogger({ sink: out.sink }).error("silenced");
    expect(out.records.map((record) => record.msg)).toEqual(["kept"]);
  });

  it("puts the current trace id in every line; meta cannot forge level or trace", async () => {
    enableTraceScope(AsyncLocalStorage);
    const out = capture();
    const logger = createJsonLogger({ sink: out.sink });
    const trace = traceFromHeader(undefined);
    await runWithTrace(trace, async () => {
      await Promise.resolve();
      logger.warn("inside", { level: "debug", traceId: "forged" });
    });
    expect(out.records[0]).toMatchObject({ level: "warn", traceId: trace.traceId, spanId: trace.spanId });
  });

  it("never throws and bounds hostile lines", () => {
    const out = capture();
    const logger = createJsonLogger({ sink: out.sink, maxLineChars: 1000 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => logger.info("circular", circular)).not.toThrow();
    expect(out.records[0]).toMatchObject({ msg: "circular", unserializable: true });
    logger.info("x".repeat(1_000_000), { big: "y".repeat(100_000) });
    expect(out.lines[1]?.length).toBeLessThanOrEqual(1000);
    logger.info('newline\n{"level":"error"}');
    expect(out.lines[2]?.split("\n")).toHaveLength(1);
    const throwing = createJsonLogger({
      sink: () => {
        throw new Error("disk full");
      },
    });
    expect(() => throwing.error("x", new Error("y"))).not.toThrow();
    const getter = {
      get boom(): string {
        throw new Error("getter");
      },
    };
    expect(() => logger.warn("getter", getter)).not.toThrow();
  });
});
