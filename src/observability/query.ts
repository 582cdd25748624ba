/** Matching entries against an `ObservabilityQuery`: one definition for the mirror and every adapter. */
import type { ObservabilityEntry, ObservabilityKind, ObservabilityQuery } from "./types";

export const OBSERVABILITY_KINDS: readonly ObservabilityKind[] = ["audit", "request", "error", "metric"];

/** The default and the largest `limit` of one read. */
export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

/** The query's limit, defaulted and clamped to [1, MAX_QUERY_LIMIT]. */
export function limitOf(query: ObservabilityQuery): number {
  const limit = query.limit;
  if (typeof limit !== "number" || !Number.isFinite(limit)) return DEFAULT_QUERY_LIMIT;
  return Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.floor(limit)));
}

/** The kinds a query reads. */
export function kindsOf(query: ObservabilityQuery): readonly ObservabilityKind[] {
  return query.kind === undefined ? OBSERVABILITY_KINDS : [query.kind];
}

/** True when the query filters on something beyond kind and time (so a store cannot push `limit` down). */
export function filtersBeyondTime(query: ObservabilityQuery): boolean {
  return query.action !== undefined || query.userId !== undefined || query.traceId !== undefined;
}

/** Whether `entry` is one the query asks for. */
export function matchesQuery(entry: ObservabilityEntry, query: ObservabilityQuery): boolean {
  if (query.kind !== undefined && entry.kind !== query.kind) return false;
  if (query.since !== undefined && entry.time < query.since) return false;
  if (query.until !== undefined && entry.time > query.until) return false;
  if (query.traceId !== undefined && entry.traceId !== query.traceId) return false;
  if (query.action !== undefined && (entry.kind !== "audit" || entry.action !== query.action)) return false;
  if (query.userId !== undefined) {
    const user =
      entry.kind === "audit" ? [entry.actorId, entry.targetId] : entry.kind === "request" ? [entry.userId] : [];
    if (!user.includes(query.userId)) return false;
  }
  return true;
}

/** Newest first, ties broken by id so the order is stable. */
export function newestFirst(a: ObservabilityEntry, b: ObservabilityEntry): number {
  return b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
