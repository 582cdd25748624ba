/**
 * Where an app's observability log lives: on its context (`app.context.observability`), created
 * on first use over the context's KV and logger. `createCovara` creates it eagerly.
 */
import { contextOf, type ContextSource } from "../kernel/context";
import { createObservabilityLog, type ObservabilityLog } from "./log";
import { createMetricsRegistry, type MetricsRegistry } from "./metrics";
import type { AdminAuditSink } from "./types";

declare module "../kernel/context" {
  interface CovaraContext {
    /** The app's append-only observability log (`getObservabilityLog(app)`). */
    observability?: ObservabilityLog;
    /** The app's in-process metrics (`getMetrics(app)`), served at `/__covara/metrics` when enabled. */
    metrics?: MetricsRegistry;
  }
}

/**
 * The observability log of `app` (default: the process-wide default context), created on first
 * use: in memory, and persisted to the context's KV whenever one is set.
 */
export function getObservabilityLog(app?: ContextSource): ObservabilityLog {
  const context = contextOf(app);
  context.observability ??= createObservabilityLog({ kv: () => context.kv, logger: () => context.logger });
  return context.observability;
}

/**
 * Forwards every audit entry of `app`'s log to `sink` (undefined removes it). Write-only: the sink
 * runs beside the log's store and is never read back; durable reads need an `ObservabilityLogAdapter`.
 */
export function setAdminAuditSink(sink: AdminAuditSink | undefined, app?: ContextSource): void {
  getObservabilityLog(app).setAdminAuditSink(sink);
}

/** The metrics registry of `app` (default: the default context), created on first use. */
export function getMetrics(app?: ContextSource): MetricsRegistry {
  const context = contextOf(app);
  context.metrics ??= createMetricsRegistry();
  return context.metrics;
}
