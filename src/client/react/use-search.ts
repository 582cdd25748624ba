/** `useSearch`: full-text search of a resource, cached per query and aborted when it changes. */
import type { SearchParams } from "../resource";
import type { Page } from "../resource";
import { queryKey } from "./key";
import { useCovara } from "./provider";
import { useCachedQuery } from "./use-query";

export interface UseSearchResult<Row> {
  items: (Row & { _score: number })[];
  status: "idle" | "loading" | "success" | "error";
  error: unknown;
  nextCursor: string | null;
}

/** Searches `path` for `q` (nothing is sent while `q` is blank). */
export function useSearch<Row extends object = Record<string, unknown>>(
  path: string,
  q: string,
  params: Omit<SearchParams<Row>, "signal"> = {},
): UseSearchResult<Row> {
  const { client } = useCovara();
  const enabled = q.trim().length > 0;
  const state = useCachedQuery<Page<Row & { _score: number }>>(
    queryKey(`${path}#search`, { q, ...params }),
    path,
    (signal) => client.resource<Row>(path).search(q, { ...params, signal }) as Promise<Page<Row & { _score: number }>>,
    enabled,
  );
  return {
    items: enabled ? (state.data?.items ?? []) : [],
    status: enabled ? state.status : "idle",
    error: state.error,
    nextCursor: state.data?.nextCursor ?? null,
  };
}
