/** `useInfiniteList`: pages of a list, appended by `loadMore()` following `nextCursor`. */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ListParams, Page } from "../resource";
import { queryKey } from "./key";
import { useClient } from "./provider";
import { useCovara } from "./provider";

export interface UseInfiniteListResult<Row> {
  items: Row[];
  pages: Page<Row>[];
  hasMore: boolean;
  status: "loading" | "success" | "error";
  error: unknown;
  loadMore(): Promise<void>;
  refetch(): Promise<void>;
}

/** Loads the first page of `path` and more on demand. */
export function useInfiniteList<Row extends object = Record<string, unknown>>(
  path: string,
  params: Omit<ListParams<Row>, "signal" | "cursor"> = {},
): UseInfiniteListResult<Row> {
  const client = useClient();
  const { client: owner } = useCovara();
  const key = queryKey(path, params);
  const [pages, setPages] = useState<Page<Row>[]>([]);
  const [status, setStatus] = useState<"loading" | "success" | "error">("loading");
  const [error, setError] = useState<unknown>(undefined);
  const loading = useRef<Promise<void> | undefined>(undefined);
  const generation = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for path and params (a new object with the same content must not reload)
  const load = useCallback(
    async (cursor: string | null, reset: boolean) => {
      const mine = reset ? ++generation.current : generation.current;
      setStatus("loading");
      try {
        const page = (await client.resource<Row>(path).list({ ...params, cursor })) as Page<Row>;
        if (mine !== generation.current) return;
        setPages((previous) => (reset ? [page] : [...previous, page]));
        setStatus("success");
      } catch (e) {
        if (mine !== generation.current) return;
        setError(e);
        setStatus("error");
      }
    },
    [client, key],
  );

  useEffect(() => {
    void load(null, true);
    return owner.onInvalidate((p) => {
      if (p === undefined || p === path) void load(null, true);
    });
  }, [load, owner, path]);

  const last = pages[pages.length - 1];
  const hasMore = Boolean(last?.hasMore && last.nextCursor);
  const loadMore = useCallback(async () => {
    if (!last?.nextCursor || loading.current) return;
    loading.current = load(last.nextCursor, false).finally(() => (loading.current = undefined));
    await loading.current;
  }, [last, load]);

  return {
    items: pages.flatMap((p) => p.items),
    pages,
    hasMore,
    status,
    error,
    loadMore,
    refetch: () => load(null, true),
  };
}
