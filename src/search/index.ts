/**
 * Full-text search for resources: the `search()` resource extension, the index interface, its four
 * adapters and the outbox tools. Built on the resource extension contract only.
 */
export { search } from "./extension";
export { createSqliteFts5Search } from "./sqlite-fts5";
export type { SqliteFts5Options } from "./sqlite-fts5";
export { createPostgresSearch, tsvectorExpression } from "./postgres-tsvector";
export type { PostgresSearchOptions } from "./postgres-tsvector";
export { createMemorySearch } from "./memory";
export { createOpenSearch, SearchBackendError } from "./opensearch";
export type { OpenSearchOptions } from "./opensearch";
export { drainSearchOutboxes, rebuildSearchIndexes, setSearchErrorReporter } from "./resource-search";
export type { ResourceSearch } from "./resource-search";
export { searchOutboxDdl, DEFAULT_OUTBOX_TABLE } from "./outbox-table";
export type { SearchItem } from "./search-handler";
export type {
  DatabaseSearchIndex,
  DatabaseSearchRequest,
  ExternalSearchIndex,
  ScoredRow,
  SearchAdapter,
  SearchConfig,
  SearchDocument,
  SearchHit,
  SearchIndex,
  SearchOutboxOptions,
  SearchTarget,
  SearchText,
} from "./types";
