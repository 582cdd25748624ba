/**
 * The search adapters every behaviour suite runs, with the dialects each applies to. OpenSearch
 * talks to the local fake server; the others need nothing but the database.
 */
import {
  createMemorySearch,
  createOpenSearch,
  createPostgresSearch,
  createSqliteFts5Search,
  type SearchAdapter,
} from "../../src/search";
import type { FakeOpenSearch } from "./opensearch-server";
import { uniqueName } from "./fixtures";

export interface AdapterCase {
  name: string;
  dialects: readonly string[];
  make(): SearchAdapter;
  /** Whether rows written before the resource mounted are searchable without a rebuild. */
  indexesExisting: boolean;
}

const ALL = ["sqlite", "pg"];

/** The four adapters; `server` is read when an OpenSearch index is made. */
export function adapterCases(server: () => FakeOpenSearch): AdapterCase[] {
  return [
    { name: "sqlite-fts5", dialects: ["sqlite"], make: () => createSqliteFts5Search(), indexesExisting: true },
    { name: "postgres", dialects: ["pg"], make: () => createPostgresSearch(), indexesExisting: true },
    { name: "memory", dialects: ALL, make: () => createMemorySearch(), indexesExisting: true },
    {
      name: "opensearch",
      dialects: ALL,
      make: () => createOpenSearch({ url: server().url, index: uniqueName("articles").toLowerCase() }),
      indexesExisting: false,
    },
  ];
}
