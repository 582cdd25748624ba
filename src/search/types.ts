/**
 * The search index interface every adapter implements, and the `search` option of a resource.
 * An index either lives in the resource's own database (it answers with rows, the caller's scope
 * pushed into the same SQL) or outside it (it answers with ranked ids, re-read from the database
 * under the caller's scope so a stale index can never leak a row).
 */
import type { Column, SQL, Table } from "drizzle-orm";
import type { AnyDatabase, Dialect } from "../kernel/dialect";
import type { ColumnKey } from "../kernel/table-types";

export type SearchRow = Record<string, unknown>;

/** What a resource tells its index when it mounts. */
export interface SearchTarget {
  /** Resource name (used in outbox rows and messages). */
  resource: string;
  db: AnyDatabase;
  dialect: Dialect;
  table: Table;
  /** Every column of the table by JS key. */
  columns: Readonly<Record<string, Column>>;
  idKey: string;
  idColumn: Column;
  /** The indexed text columns by JS key, in configured order. */
  fields: Readonly<Record<string, Column>>;
}

/** The client's search text: as typed, and as the words every adapter agrees on. */
export interface SearchText {
  text: string;
  /** Lower-cased words without diacritics; never empty when an index is asked. */
  terms: readonly string[];
}

/** A row with its relevance; higher is better on every adapter. */
export interface ScoredRow {
  row: SearchRow;
  score: number;
}

/** One search in an in-database index: the words, the conditions and the page. */
export interface DatabaseSearchRequest extends SearchText {
  /** JS keys of the columns to return. */
  columns: readonly string[];
  /** Scope, liveness and client filter, AND-ed; undefined when every row qualifies. */
  where: SQL | undefined;
  limit: number;
  offset: number;
}

/** An index inside the resource's database, kept current by the database itself. */
export interface DatabaseSearchIndex {
  readonly location: "database";
  /** Creates what the index needs (idempotent). */
  setup(): Promise<void>;
  /** Matching rows, best first. */
  search(request: DatabaseSearchRequest): Promise<ScoredRow[]>;
}

/** The indexed text of one row. */
export interface SearchDocument {
  id: string;
  fields: Record<string, string>;
}

/** A ranked id from an external index. */
export interface SearchHit {
  id: string;
  score: number;
}

/** An index outside the rows (in memory, or a search server), fed with documents. */
export interface ExternalSearchIndex {
  readonly location: "external";
  /** True when the index survives a restart; a volatile one is rebuilt from the table on start. */
  readonly persistent: boolean;
  setup(): Promise<void>;
  /** Adds or replaces documents by id. */
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  /** Removes documents by id; unknown ids are fine. */
  remove(ids: readonly string[]): Promise<void>;
  /** Ids matching every term, best first, skipping `from` hits. */
  search(request: SearchText & { from: number; size: number }): Promise<SearchHit[]>;
}

export type SearchIndex = DatabaseSearchIndex | ExternalSearchIndex;

/** What `search.index` takes: a factory that builds one resource's index when it mounts. */
export interface SearchAdapter {
  /** Adapter name, used in messages ("sqlite-fts5", "postgres", "memory", "opensearch"). */
  readonly name: string;
  bind(target: SearchTarget): SearchIndex;
}

/** The transactional outbox of an external index. */
export interface SearchOutboxOptions {
  /** Outbox table name (default `covara_search_outbox`); created on first use. */
  table?: string;
  /** Whether this process drains the outbox into the index (default true). */
  process?: boolean;
  /** Milliseconds between retries of undrained entries; 0 drains only on writes and start (default 5000). */
  intervalMs?: number;
  /** Outbox entries handled per round (default 100). */
  batchSize?: number;
}

/**
 * `search` option of a resource: which columns are searched, by which index.
 *
 * @example
 * ```ts
 * app.resource("/articles", articles, { id: articles.id, db, search: { index: createSqliteFts5Search(), fields: ["title", "body"] } });
 * ```
 */
export interface SearchConfig<TTable extends Table> {
  /** The index adapter (createSqliteFts5Search, createPostgresSearch, createMemorySearch, createOpenSearch). */
  index: SearchAdapter;
  /** Text columns to search; each must be readable. */
  fields: ColumnKey<TTable>[];
  /** Write an outbox row with every write, in its transaction (external indexes only). */
  outbox?: boolean | SearchOutboxOptions;
  /**
   * Longest accepted `q`, in characters.
   * @default 256
   */
  maxQueryLength?: number;
  /**
   * Deepest rank position paging can reach.
   * @default 1000
   */
  maxResults?: number;
  /**
   * External indexes: most hits examined per request while skipping rows outside the caller's scope.
   * @default 1000
   */
  maxCandidates?: number;
}
