/**
 * The shapes of the observability log: four kinds of append-only entry (audit, request, error,
 * metric), the query over them, and the two extension points: an `ObservabilityLogAdapter` (a
 * durable store that can be read back) and an admin audit sink (forwarding only). A leaf: it
 * imports nothing.
 */

/** The kinds of entry the log keeps, each in a ring buffer of its own. */
export type ObservabilityKind = "audit" | "request" | "error" | "metric";

/** What every entry carries; `id` and `time` are assigned by the log on append. */
interface EntryBase {
  /** Unique, and ordered by time within one process. */
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The W3C trace id of the request the entry belongs to, when there was one. */
  traceId?: string;
}

/** An admin or security action: who did what to whom. */
export interface AuditEntry extends EntryBase {
  kind: "audit";
  /** What was done, e.g. `api_explorer_execute`, `impersonate_execute`, `data_explorer_list`. */
  action: string;
  /** The real, authenticated user who acted (the admin, when impersonating). */
  actorId?: string;
  /** Whom or what the action touched: the impersonated user, a row id, an API key id. */
  targetId?: string;
  /** The resource or route acted on. */
  resource?: string;
  /** How it ended. @default "success" */
  outcome?: "success" | "denied" | "failure";
  /** Anything else worth keeping (method, path, status, filter...); bounded on append. */
  detail?: Record<string, unknown>;
}

/** One served HTTP request. */
export interface RequestEntry extends EntryBase {
  kind: "request";
  method: string;
  /** The matched route pattern (`/api/users/:id`), not the raw path. */
  route: string;
  path: string;
  status: number;
  durationMs: number;
  userId?: string;
}

/** A failure worth keeping: an unexpected error, a failed outgoing call. */
export interface ErrorEntry extends EntryBase {
  kind: "error";
  message: string;
  /** A stable code (a problem type's `code`, an error's `name`). */
  code?: string;
  status?: number;
  method?: string;
  route?: string;
  path?: string;
  /** The stack, bounded; never sent to clients, only to admins reading the log. */
  stack?: string;
}

/** A point-in-time measurement. */
export interface MetricEntry extends EntryBase {
  kind: "metric";
  name: string;
  value: number;
  labels?: Record<string, string>;
}

export type ObservabilityEntry = AuditEntry | RequestEntry | ErrorEntry | MetricEntry;

/** An entry as given to `append`: the log assigns `id`, and `time` when absent. */
export type ObservabilityEntryInput = InputOf<ObservabilityEntry>;

/** Distributes over the union, so each kind keeps its own fields. */
type InputOf<E> = E extends ObservabilityEntry ? Omit<E, "id" | "time"> & { time?: number } : never;

/** The entry of one kind. */
export type EntryOfKind<K extends ObservabilityKind> = Extract<ObservabilityEntry, { kind: K }>;

/** Which entries a read returns. Every field narrows; none set means everything retained. */
export interface ObservabilityQuery {
  kind?: ObservabilityKind;
  /** Only entries at or after this time (ms since the epoch). */
  since?: number;
  /** Only entries at or before this time (ms since the epoch). */
  until?: number;
  /** Audit entries with this action. */
  action?: string;
  /** Audit entries by this actor, or naming it as target. */
  userId?: string;
  traceId?: string;
  /**
   * At most this many entries, newest first.
   * @default 100
   */
  limit?: number;
}

/**
 * A durable store of observability entries: covara appends every entry to it (besides its
 * in-memory mirror) and reads from it for `query()` / `export()`. Implement this for a database,
 * a log service, a file. Appends may reject: the log reports the failure and carries on.
 */
export interface ObservabilityLogAdapter {
  append(entry: ObservabilityEntry): Promise<void>;
  /** Matching entries, newest first, at most `query.limit`. */
  query(query: ObservabilityQuery): Promise<ObservabilityEntry[]>;
}

/**
 * Receives every audit entry as it is appended, for forwarding (a SIEM, a webhook, stdout). It is
 * write-only: nothing reads back from it; durable reads need an `ObservabilityLogAdapter`.
 */
export type AdminAuditSink = (entry: AuditEntry) => void | Promise<void>;
