/**
 * A structured JSON logger implementing the kernel's `Logger`: one JSON object per line, levels
 * (`COVARA_LOG_LEVEL`), a pluggable sink, and the current request's trace id in every line. It
 * never throws, whatever it is handed (circular meta, a throwing getter, a 10 MB message), and
 * bounds every line.
 */
import type { Logger } from "../kernel/logger";
import { currentTrace } from "../kernel/trace-context";
import { boundedRecord, boundedString, MAX_STACK_CHARS } from "./bound";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** One log line before it is serialised. */
export interface LogRecord {
  time: string;
  level: Exclude<LogLevel, "silent">;
  msg: string;
  traceId?: string;
  spanId?: string;
  error?: { name: string; message: string; stack?: string; code?: string };
  [field: string]: unknown;
}

/** Receives each line (JSON, no trailing newline) and the record it was made from. */
export type LogSink = (line: string, record: LogRecord) => void;

export interface JsonLoggerOptions {
  /** The lowest level written. @default COVARA_LOG_LEVEL, else "info" */
  level?: LogLevel;
  /** Where lines go. @default stdout for debug/info, stderr for warn/error (through console) */
  sink?: LogSink;
  /** Fields on every line (service name, region...). */
  fields?: Record<string, unknown>;
  /** Longest line written; bigger ones lose their meta, then have their message cut. @default 16384 */
  maxLineChars?: number;
}

export interface JsonLogger extends Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  readonly level: LogLevel;
  /** A logger writing to the same sink with `fields` added to every line. */
  child(fields: Record<string, unknown>): JsonLogger;
}

/** The level COVARA_LOG_LEVEL names (case-insensitive), or undefined when unset or unknown. */
export function logLevelFromEnv(): LogLevel | undefined {
  const value = typeof process === "undefined" ? undefined : process.env?.COVARA_LOG_LEVEL;
  const level = value?.trim().toLowerCase();
  return isLogLevel(level) ? level : undefined;
}

function isLogLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && Object.hasOwn(SEVERITY, value);
}

const consoleSink: LogSink = (line, record) => {
  if (record.level === "error" || record.level === "warn") console.error(line);
  else console.log(line);
};

function describeError(error: unknown): LogRecord["error"] {
  if (error instanceof Error) {
    const code = Reflect.get(error, "code");
    return {
      name: boundedString(error.name, 128) ?? "Error",
      message: boundedString(error.message) ?? "",
      stack: boundedString(error.stack, MAX_STACK_CHARS),
      code: typeof code === "string" ? boundedString(code, 128) : undefined,
    };
  }
  return { name: "NonError", message: boundedString(typeof error === "string" ? error : safeString(error)) ?? "" };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[unserializable]";
  }
}

/** Creates a JSON logger; pass it to `createCovara({ logger })` to make covara's own diagnostics structured. */
export function createJsonLogger(options: JsonLoggerOptions = {}): JsonLogger {
  const level = options.level ?? logLevelFromEnv() ?? "info";
  const threshold = SEVERITY[level] ?? SEVERITY.info;
  const sink = options.sink ?? consoleSink;
  const maxLine = Math.max(256, options.maxLineChars ?? 16_384);
  const fields = boundedRecord(options.fields) ?? {};

  function write(recordLevel: LogRecord["level"], message: unknown, error: unknown, meta: unknown): void {
    if (SEVERITY[recordLevel] < threshold) return;
    try {
      const trace = currentTrace();
      const extra = boundedRecord(meta, 8192) ?? {};
      // Reserved keys come last so meta can never forge the level, time or trace.
      const record: LogRecord = {
        ...fields,
        ...extra,
        time: new Date().toISOString(),
        level: recordLevel,
        msg: boundedString(typeof message === "string" ? message : safeString(message)) ?? "",
      };
      const traceId = trace?.traceId ?? boundedString(extra.traceId, 64);
      if (traceId !== undefined) record.traceId = traceId;
      if (trace) record.spanId = trace.spanId;
      if (error !== undefined) record.error = describeError(error);
      let line = JSON.stringify(record);
      if (line.length > maxLine) {
        const { time, level: lvl, msg, traceId: t, spanId, error: e } = record;
        const slim: LogRecord = { time, level: lvl, msg: msg.slice(0, Math.floor(maxLine / 4)), truncated: true };
        if (t !== undefined) slim.traceId = t;
        if (spanId !== undefined) slim.spanId = spanId;
        if (e !== undefined) slim.error = { name: e.name, message: e.message.slice(0, Math.floor(maxLine / 4)) };
        line = JSON.stringify(slim);
        sink(line, slim);
        return;
      }
      sink(line, record);
    } catch {
      // A sink or a serialisation that throws must never reach the caller.
    }
  }

  return {
    level,
    error: (message, error, meta) => write("error", message, error, meta),
    warn: (message, meta) => write("warn", message, undefined, meta),
    info: (message, meta) => write("info", message, undefined, meta),
    debug: (message, meta) => write("debug", message, undefined, meta),
    child: (more) => createJsonLogger({ ...options, level, fields: { ...fields, ...boundedRecord(more) } }),
  };
}
