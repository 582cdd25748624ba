/**
 * One resource's search, built by the `search()` extension at mount: validates the `search` option
 * against the table, binds the index, and keeps an external index current — from the commit
 * listener the extension registers for it, or through the transactional outbox (companion writes)
 * when `outbox` is on. Setup (tables, triggers, GIN index, remote index, initial load) runs lazily
 * on first use and is retried after a failure. It sees its resource through the handle only.
 */
import type { Column, Table } from "drizzle-orm";
import { routeDefaultErrors, type CovaraContext } from "../kernel/context";
import type { Mutation } from "../kernel/mutations";
import type { ResourceHandle, TableInfo } from "../resource/extension";
import { searchExternal } from "./external-search";
import { drainOutbox } from "./outbox-processor";
import { DEFAULT_OUTBOX_TABLE, outboxTable, validateOutboxName, type OutboxTable } from "./outbox-table";
import type { OutboxBinding } from "./outbox-writes";
import { applyMutations, rebuildIndex, type SyncContext } from "./sync";
import type { DatabaseSearchRequest, ScoredRow, SearchConfig, SearchIndex, SearchTarget } from "./types";

export const DEFAULT_MAX_QUERY_LENGTH = 256;
export const DEFAULT_MAX_RESULTS = 1000;
export const DEFAULT_MAX_CANDIDATES = 1000;
const DEFAULT_INTERVAL_MS = 5000;
const DEFAULT_BATCH_SIZE = 100;

interface OutboxSettings {
  table: OutboxTable;
  process: boolean;
  intervalMs: number;
  batchSize: number;
}

/**
 * Replaces how background index failures (outbox rounds, feed updates) are reported.
 * @deprecated Use the default context's logger: these arrive at `error` with `meta.source === "search"`.
 */
export function setSearchErrorReporter(reporter: (error: unknown) => void): void {
  routeDefaultErrors("search", (error) => reporter(error));
}

const mounted = new Set<ResourceSearch>();

function positive(value: number | undefined, fallback: number, option: string): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 1)
    throw new TypeError(`covara: search.${option} must be a positive integer`);
  return result;
}

/** Checks `search.fields` against the table: known, readable, text columns, no repeats. */
function searchedColumns(info: TableInfo, fields: readonly string[]): Record<string, Column> {
  if (!Array.isArray(fields) || fields.length === 0)
    throw new TypeError(`covara: search.fields of '${info.name}' must list at least one column`);
  const columns: Record<string, Column> = {};
  for (const key of fields) {
    const column = Object.hasOwn(info.columns, key) ? info.columns[key] : undefined;
    if (!column) throw new TypeError(`covara: search.fields names unknown column '${key}'`);
    // Matching on a hidden column would reveal its content one query at a time.
    if (!info.readable.has(key))
      throw new TypeError(`covara: search.fields names '${key}', which is not in fields.readable`);
    if (column.dataType !== "string")
      throw new TypeError(`covara: search.fields names '${key}', which is not a text column`);
    if (key in columns) throw new TypeError(`covara: search.fields names '${key}' twice`);
    columns[key] = column;
  }
  return columns;
}

/** The `search` option of any table (field names checked at mount). */
type AnySearchConfig = Omit<SearchConfig<Table>, "fields"> & { fields: readonly string[] };

export class ResourceSearch {
  /** The resource's table facts (`resource.info`). */
  readonly info: TableInfo;
  readonly target: SearchTarget;
  readonly index: SearchIndex;
  readonly adapter: string;
  readonly maxQueryLength: number;
  readonly maxResults: number;
  readonly maxCandidates: number;
  readonly outbox: OutboxSettings | null;
  /** What the resource's writes must add to the outbox (the extension joins them to the writes), when `outbox` is on. */
  readonly outboxBinding: OutboxBinding | null;
  private initializing: Promise<void> | null = null;
  private lastRound: Promise<number> = Promise.resolve(0);
  private pendingRound: Promise<number> | null = null;
  private stopped = false;
  /** Stops the commit listener, when the index follows commits. */
  private unlisten: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Background index failures go to the app's logger; they never fail a write or a request. */
  private readonly reportSearchError: (error: unknown) => void;

  constructor(
    readonly resource: ResourceHandle,
    config: AnySearchConfig,
    app: CovaraContext,
  ) {
    const info = resource.info;
    this.info = info;
    this.reportSearchError = (error) =>
      app.logger.error("covara: search index maintenance failed", error, { source: "search" });
    if (typeof config.index?.bind !== "function")
      throw new TypeError(
        `covara: search.index of '${info.name}' must be a search adapter (e.g. createMemorySearch())`,
      );
    this.target = {
      resource: info.name,
      db: info.db,
      dialect: info.dialect,
      table: info.table,
      columns: info.columns,
      idKey: info.idKey,
      idColumn: info.idColumn,
      fields: searchedColumns(info, config.fields),
    };
    this.adapter = config.index.name;
    this.index = config.index.bind(this.target);
    this.maxQueryLength = positive(config.maxQueryLength, DEFAULT_MAX_QUERY_LENGTH, "maxQueryLength");
    this.maxResults = positive(config.maxResults, DEFAULT_MAX_RESULTS, "maxResults");
    this.maxCandidates = positive(config.maxCandidates, DEFAULT_MAX_CANDIDATES, "maxCandidates");
    this.outbox = this.configureOutbox(config.outbox);
    this.outboxBinding = this.outbox
      ? { db: info.db, resource: info.name, idKey: info.idKey, outbox: this.outbox.table }
      : null;
    if (this.outbox?.process && this.outbox.intervalMs > 0) {
      this.timer = setInterval(() => this.drain().catch(this.reportSearchError), this.outbox.intervalMs);
      // A retry timer must never keep a process alive on its own.
      (this.timer as { unref?: () => void }).unref?.();
    }
    mounted.add(this);
  }

  /** Sets the index up once (tables, triggers, remote index, initial load and outbox round). */
  ready(): Promise<void> {
    if (!this.initializing) {
      this.initializing = this.initialize();
      this.initializing.catch(() => (this.initializing = null));
    }
    return this.initializing;
  }

  /** The page of matching rows the request's conditions admit, best first (`limit` includes any look-ahead row). */
  async find(request: DatabaseSearchRequest): Promise<ScoredRow[]> {
    await this.ready();
    if (this.index.location === "database") return this.index.search(request);
    return searchExternal(this.syncContext(), { ...request, maxCandidates: this.maxCandidates });
  }

  /**
   * Drains the outbox into the index now; resolves with the entries this round handled (0 without an
   * outbox; the first use of the index also drains, before this round), rejects with a failure.
   */
  async drain(): Promise<number> {
    if (!this.outbox) return 0;
    await this.ready();
    return this.drainSerially();
  }

  /** Indexes every live row again (external indexes); returns how many rows were indexed. */
  async rebuild(): Promise<number> {
    await this.ready();
    return this.index.location === "external" ? rebuildIndex(this.syncContext()) : 0;
  }

  /**
   * Whether committed writes must reach the index from here: an external index without an outbox
   * (updated from the mutations) or with one this process drains. A database index follows each
   * write in its own transaction, and an outbox drained elsewhere needs nothing.
   */
  get followsCommits(): boolean {
    return this.index.location === "external" && (this.outbox === null || this.outbox.process);
  }

  /** Keeps the remover of the commit listener the extension registered, for `stop`. */
  listen(unlisten: () => void): void {
    this.unlisten = unlisten;
  }

  /** Stops listening to writes and retrying; writes still record outbox entries. */
  stop(): void {
    this.stopped = true;
    this.unlisten?.();
    this.unlisten = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    mounted.delete(this);
  }

  private configureOutbox(option: AnySearchConfig["outbox"]): OutboxSettings | null {
    if (!option) return null;
    if (this.index.location === "database") {
      throw new TypeError(
        `covara: search.outbox of '${this.info.name}' is for external indexes; the ${this.adapter} index is updated in each write's own transaction`,
      );
    }
    const options = option === true ? {} : option;
    const settings: OutboxSettings = {
      table: outboxTable(validateOutboxName(options.table ?? DEFAULT_OUTBOX_TABLE), this.info.dialect),
      process: options.process !== false,
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      batchSize: positive(options.batchSize, DEFAULT_BATCH_SIZE, "outbox.batchSize"),
    };
    if (!Number.isSafeInteger(settings.intervalMs) || settings.intervalMs < 0)
      throw new TypeError("covara: search.outbox.intervalMs must be 0 or more");
    return settings;
  }

  private async initialize(): Promise<void> {
    await this.index.setup();
    if (this.index.location === "database") return;
    // A volatile index starts empty: load it from the table (rows written meanwhile reach it through
    // the feed or the outbox, and indexing a row twice is harmless).
    if (!this.index.persistent) await rebuildIndex(this.syncContext());
    // Entries the index refuses are reported and retried later; they must not keep search down.
    if (this.outbox?.process) await this.drainSerially().catch(this.reportSearchError);
  }

  /**
   * Runs after each committed batch of the resource's writes (the commit listener, which hands it
   * this resource's mutations only, and only when `followsCommits`): the external index is
   * updated. A failure is reported, never turned into a failed write.
   */
  async afterCommit(mutations: readonly Mutation[]): Promise<void> {
    if (this.stopped || this.index.location !== "external") return;
    try {
      if (this.outbox) {
        // The outbox is the source of truth: drain it instead of trusting the event.
        if (this.outbox.process) await this.drain();
        return;
      }
      await this.ready();
      await applyMutations(this.syncContext(), mutations);
    } catch (error) {
      this.reportSearchError(error);
    }
  }

  /**
   * Rounds run one after another, never side by side (two rounds racing on one row could leave its
   * older state indexed). A call while a round waits to start joins it: that round starts after the
   * caller's write committed, so it covers it.
   */
  private drainSerially(): Promise<number> {
    if (this.pendingRound) return this.pendingRound;
    const round = this.lastRound
      .catch(() => 0)
      .then(() => {
        this.pendingRound = null;
        return drainOutbox({ ...this.syncContext(), outbox: this.outbox!.table, batchSize: this.outbox!.batchSize });
      });
    this.pendingRound = round;
    this.lastRound = round;
    return round;
  }

  private syncContext(): SyncContext {
    if (this.index.location !== "external") throw new Error("covara: only external search indexes are synced");
    return { resource: this.resource, target: this.target, index: this.index };
  }
}

/** Drains every search outbox mounted in this process (e.g. from a scheduled job); returns entries handled. */
export async function drainSearchOutboxes(): Promise<number> {
  let handled = 0;
  for (const search of mounted) if (search.outbox?.process) handled += await search.drain();
  return handled;
}

/** Re-indexes every live row of the mounted external indexes, or only the named resource's. */
export async function rebuildSearchIndexes(resource?: string): Promise<number> {
  let indexed = 0;
  for (const search of mounted)
    if (resource === undefined || search.info.name === resource) indexed += await search.rebuild();
  return indexed;
}
