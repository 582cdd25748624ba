/**
 * The append-only observability log: audit, request, error and metric entries. Every entry goes
 * into an in-memory ring buffer per kind (the local mirror, read synchronously) and, when there is
 * a durable store (an `ObservabilityLogAdapter`, or the KV when one is set), is written there in
 * the background. `append` never throws and never waits: a failing store can never break the
 * action being logged.
 */
import type { KV } from "../kernel/kv";
import type { Logger } from "../kernel/logger";
import { createKVObservabilityAdapter, type KVObservabilityAdapterOptions } from "./kv-adapter";
import { normalizeEntry } from "./normalize";
import { kindsOf, limitOf, matchesQuery, MAX_QUERY_LIMIT, newestFirst, OBSERVABILITY_KINDS } from "./query";
import { createRingBuffer, type RingBuffer } from "./ring-buffer";
import type {
  AdminAuditSink,
  AuditEntry,
  EntryOfKind,
  ObservabilityEntry,
  ObservabilityEntryInput,
  ObservabilityKind,
  ObservabilityLogAdapter,
  ObservabilityQuery,
} from "./types";

export interface ObservabilityLogOptions {
  /**
   * Entries the in-memory mirror keeps per kind (one ring buffer each, so request noise never
   * evicts audit entries).
   * @default 1000
   */
  capacity?: number | Partial<Record<ObservabilityKind, number>>;
  /** A durable store. Without one, the KV from `kv` is used when it returns one. */
  adapter?: ObservabilityLogAdapter;
  /** The KV to persist to when no adapter is given, looked up on every append (it may be set later). */
  kv?: () => KV | undefined;
  /** Options of the KV store (prefix, retention). */
  kvOptions?: KVObservabilityAdapterOptions;
  /** Where failures of the store or the sink are reported (throttled to one line a minute). */
  logger?: () => Logger;
  /** See `setAdminAuditSink`. */
  auditSink?: AdminAuditSink;
}

/** An audit entry as given to `audit()`. */
export type AuditInput = Omit<AuditEntry, "kind" | "id" | "time"> & { time?: number };

export interface ObservabilityLog {
  /**
   * Records an entry: into the local mirror at once, to the durable store and the audit sink in
   * the background. Returns the stored entry (undefined when the input named no known kind).
   * Never throws.
   */
  append(entry: ObservabilityEntryInput): ObservabilityEntry | undefined;
  /** `append({ kind: "audit", ... })`. */
  audit(entry: AuditInput): AuditEntry | undefined;
  /**
   * The local mirror, newest first: this process's entries only. Synchronous; for cross-instance
   * reads in KV mode use `query()`.
   */
  recent<K extends ObservabilityKind>(query: ObservabilityQuery & { kind: K }): EntryOfKind<K>[];
  recent(query?: ObservabilityQuery): ObservabilityEntry[];
  /**
   * The authoritative read, newest first: the durable store when there is one (every instance's
   * entries), else the local mirror. Rejects when the store fails.
   */
  query<K extends ObservabilityKind>(query: ObservabilityQuery & { kind: K }): Promise<EntryOfKind<K>[]>;
  query(query?: ObservabilityQuery): Promise<ObservabilityEntry[]>;
  /** Like `query()`, oldest first, as NDJSON (one entry per line); `limit` defaults to 10,000. */
  export(query?: ObservabilityQuery): Promise<string>;
  /** Forwards every audit entry to `sink` (undefined removes it). Write-only: nothing is read back. */
  setAdminAuditSink(sink: AdminAuditSink | undefined): void;
  /** True when entries go to a durable store besides the mirror. */
  readonly persistent: boolean;
  /** Resolves when every background write started so far has settled (tests, shutdown). */
  flush(): Promise<void>;
}

const DEFAULT_CAPACITY = 1000;
const REPORT_EVERY_MS = 60_000;

/** Ids sort by time, then by a per-process sequence; the tag keeps instances apart. */
function createIdSource(): (time: number) => string {
  let tag: string | undefined;
  let sequence = 0;
  return (time) => {
    // Made on first use: Workers forbid random values at module scope.
    tag ??= Array.from(crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, "0")).join(
      "",
    );
    sequence = (sequence + 1) % 0x100000000;
    return `${time.toString(36).padStart(9, "0")}-${tag}-${sequence.toString(36).padStart(7, "0")}`;
  };
}

/** Reports store failures at most once a minute, with how many were swallowed in between. */
function createFailureReporter(logger: (() => Logger) | undefined): (what: string, error: unknown) => void {
  let lastReport = -Infinity;
  let suppressed = 0;
  return (what, error) => {
    const now = Date.now();
    if (now - lastReport < REPORT_EVERY_MS) {
      suppressed++;
      return;
    }
    lastReport = now;
    try {
      logger?.().warn(`covara observability: ${what} failed; entries stay in the in-memory mirror`, {
        source: "observability",
        error: error instanceof Error ? error.message : String(error),
        suppressed,
      });
    } catch {
      // A logger that throws must not break append either.
    }
    suppressed = 0;
  };
}

/** Creates an observability log (apps get one on their context: `getObservabilityLog(app)`). */
export function createObservabilityLog(options: ObservabilityLogOptions = {}): ObservabilityLog {
  const capacityOf = (kind: ObservabilityKind) =>
    (typeof options.capacity === "number" ? options.capacity : options.capacity?.[kind]) ?? DEFAULT_CAPACITY;
  const mirrors = new Map<ObservabilityKind, RingBuffer<ObservabilityEntry>>(
    OBSERVABILITY_KINDS.map((kind) => [kind, createRingBuffer(capacityOf(kind))]),
  );
  const nextId = createIdSource();
  const report = createFailureReporter(options.logger);
  const pending = new Set<Promise<unknown>>();
  let auditSink = options.auditSink;
  let kvAdapter: { kv: KV; adapter: ObservabilityLogAdapter } | undefined;

  function store(): ObservabilityLogAdapter | undefined {
    if (options.adapter) return options.adapter;
    const kv = options.kv?.();
    if (kv === undefined) return undefined;
    if (kvAdapter?.kv !== kv) kvAdapter = { kv, adapter: createKVObservabilityAdapter(kv, options.kvOptions) };
    return kvAdapter.adapter;
  }

  /** Runs `write` in the background; a throw or a rejection is reported, never propagated. */
  function background(what: string, write: () => void | Promise<void>): void {
    try {
      const result = write();
      if (!(result instanceof Promise)) return;
      const tracked = result.catch((error: unknown) => report(what, error)).finally(() => pending.delete(tracked));
      pending.add(tracked);
    } catch (error) {
      report(what, error);
    }
  }

  function append(input: ObservabilityEntryInput): ObservabilityEntry | undefined {
    const now = Date.now();
    const entry = normalizeEntry(input, nextId(now), now);
    if (entry === undefined) return undefined;
    mirrors.get(entry.kind)?.push(entry);
    let durable: ObservabilityLogAdapter | undefined;
    try {
      durable = store();
    } catch (error) {
      report("resolving the store", error);
    }
    if (durable) background("writing to the store", () => durable.append(entry));
    const sink = auditSink;
    if (sink && entry.kind === "audit") background("the admin audit sink", () => sink(entry));
    return entry;
  }

  function recent<K extends ObservabilityKind>(query: ObservabilityQuery & { kind: K }): EntryOfKind<K>[];
  function recent(query?: ObservabilityQuery): ObservabilityEntry[];
  function recent(query: ObservabilityQuery = {}): ObservabilityEntry[] {
    const found: ObservabilityEntry[] = [];
    for (const kind of kindsOf(query))
      for (const entry of mirrors.get(kind)?.newestFirst() ?? []) if (matchesQuery(entry, query)) found.push(entry);
    return found.sort(newestFirst).slice(0, limitOf(query));
  }

  function query<K extends ObservabilityKind>(q: ObservabilityQuery & { kind: K }): Promise<EntryOfKind<K>[]>;
  function query(q?: ObservabilityQuery): Promise<ObservabilityEntry[]>;
  async function query(q: ObservabilityQuery = {}): Promise<ObservabilityEntry[]> {
    const durable = store();
    return durable ? durable.query(q) : recent(q);
  }

  return {
    append,
    audit: (entry: AuditInput) => {
      const stored = append({ ...entry, kind: "audit" });
      return stored?.kind === "audit" ? stored : undefined;
    },
    recent,
    query,
    async export(q: ObservabilityQuery = {}) {
      const entries = await query({ ...q, limit: q.limit ?? MAX_QUERY_LIMIT });
      return entries
        .reverse()
        .map((entry) => `${JSON.stringify(entry)}\n`)
        .join("");
    },
    setAdminAuditSink(sink: AdminAuditSink | undefined) {
      auditSink = sink;
    },
    get persistent() {
      return store() !== undefined;
    },
    async flush() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
