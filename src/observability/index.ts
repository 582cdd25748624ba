/**
 * covara/observability — the append-only observability log (audit, request, error and metric
 * entries; in memory, persisted to the KV or an adapter) and its admin audit sink; the JSON
 * logger; W3C trace context; metrics and the Prometheus endpoint; the observability middleware.
 */
export { createObservabilityLog } from "./log";
export type { AuditInput, ObservabilityLog, ObservabilityLogOptions } from "./log";
export { getMetrics, getObservabilityLog, setAdminAuditSink } from "./context";
export { createJsonLogger, logLevelFromEnv } from "./json-logger";
export type { JsonLogger, JsonLoggerOptions, LogLevel, LogRecord, LogSink } from "./json-logger";
export { createMetricsRegistry, DEFAULT_BUCKETS } from "./metrics";
export type {
  Counter,
  Gauge,
  Histogram,
  HistogramSeries,
  Labels,
  MetricsRegistry,
  MetricsRegistryOptions,
} from "./metrics";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus";
export { DEFAULT_IGNORED_PATHS, observability } from "./middleware";
export type { ObservabilityMiddlewareOptions } from "./middleware";
export { metricsEndpoint } from "./metrics-endpoint";
export type { MetricsEndpointOptions } from "./metrics-endpoint";
export {
  currentTrace,
  enableTraceScope,
  formatTraceparent,
  parseTraceparent,
  runWithTrace,
  traceFromHeader,
  tracedFetch,
} from "../kernel/trace-context";
export type { TraceContext } from "../kernel/trace-context";
export { createKVObservabilityAdapter } from "./kv-adapter";
export type { KVObservabilityAdapterOptions } from "./kv-adapter";
export type {
  AdminAuditSink,
  AuditEntry,
  EntryOfKind,
  ErrorEntry,
  MetricEntry,
  ObservabilityEntry,
  ObservabilityEntryInput,
  ObservabilityKind,
  ObservabilityLogAdapter,
  ObservabilityQuery,
  RequestEntry,
} from "./types";
