/**
 * covara/observability — the append-only observability log (audit, request, error and metric
 * entries; in memory, persisted to the KV or an adapter), and its admin audit sink.
 */
export { createObservabilityLog } from "./log";
export type { AuditInput, ObservabilityLog, ObservabilityLogOptions } from "./log";
export { getObservabilityLog, setAdminAuditSink } from "./context";
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
