/** Cached one-shot queries for hooks, plus `useInvalidate` and `usePrefetch`. */
import { useCallback, useEffect, useSyncExternalStore } from "react";
import type { ListParams, Page } from "../resource";
import { queryKey } from "./key";
import type { QueryState } from "./query-cache";
import { useCovara } from "./provider";

/** Runs `fetcher` for `key` (shared with other components), refetching on invalidation. */
export function useCachedQuery<T>(
  key: string,
  path: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
  enabled = true,
): QueryState<T> {
  const { cache } = useCovara();
  const subscribe = useCallback((listener: () => void) => cache.subscribe(key, path, listener), [cache, key, path]);
  const state = useSyncExternalStore(
    subscribe,
    () => cache.get<T>(key),
    () => cache.get<T>(key),
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key identifies the query; the fetcher closure changes every render
  useEffect(() => {
    if (enabled) void cache.fetch(key, path, fetcher);
  }, [cache, key, path, enabled]);
  return state;
}

/** `invalidate(path?)`: refetch live lists and cached queries of a path (or all). */
export function useInvalidate(): (path?: string) => void {
  const { client } = useCovara();
  return useCallback((path?: string) => client.invalidate(path), [client]);
}

/** `prefetch(path, params)`: loads a list page into the cache before a component needs it. */
export function usePrefetch(): (path: string, params?: Record<string, unknown>) => Promise<void> {
  const { client, cache } = useCovara();
  return useCallback(
    async (path, params = {}) => {
      await cache.fetch(queryKey(`${path}#list`, params), path, (signal) =>
        client.resource(path).list({ ...params, signal }),
      );
    },
    [client, cache],
  );
}

/** One page of a list, cached (what `usePrefetch` fills) and refetched on invalidation. */
export function useList<Row extends object = Record<string, unknown>>(
  path: string,
  params: Omit<ListParams<Row>, "signal"> = {},
): QueryState<Page<Row>> {
  const { client } = useCovara();
  return useCachedQuery(
    queryKey(`${path}#list`, params),
    path,
    (signal) => client.resource<Row>(path).list({ ...params, signal }) as Promise<Page<Row>>,
  );
}
