/** `useLiveList`: a live, ordered list of a resource with optimistic (and offline) mutations. */
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { CovaraClientError, toClientError } from "../errors";
import type { StreamStatus } from "../event-stream";
import { liveList, type LiveList } from "../live";
import type { SubscribeQuery } from "../resource";
import type { RowId } from "../types";
import { queryKey } from "./key";
import { useClient } from "./provider";

/** Optimistic writes; each resolves to the error it met (already rolled back), or undefined. */
export interface UseLiveListMutate<Row> {
  create(data: Partial<Row>): Promise<CovaraClientError | undefined>;
  update(id: RowId, patch: Partial<Row>): Promise<CovaraClientError | undefined>;
  delete(id: RowId): Promise<CovaraClientError | undefined>;
}

export interface UseLiveListResult<Row> {
  items: readonly Row[];
  status: StreamStatus;
  error: CovaraClientError | undefined;
  mutate: UseLiveListMutate<Row>;
  refetch(): Promise<void>;
}

const EMPTY: readonly never[] = [];
const noSubscribe = (): (() => void) => () => {};
const emptySnapshot = (): readonly never[] => EMPTY;

/** Subscribes to `path` with `query` while mounted; `items` stay current over SSE. */
export function useLiveList<Row extends object = Record<string, unknown>>(
  path: string,
  query: SubscribeQuery<Row> = {},
): UseLiveListResult<Row> {
  const client = useClient();
  const key = queryKey(path, query);
  const [live, setLive] = useState<LiveList<Row> | undefined>(undefined);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [error, setError] = useState<CovaraClientError | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for path and query (a new object with the same content must not resubscribe)
  useEffect(() => {
    const opened = liveList<Row>(client, path, query, { onStatus: setStatus, onError: setError });
    setLive(opened);
    return () => {
      opened.close();
      setLive(undefined);
    };
  }, [client, key]);

  const items = useSyncExternalStore(
    live ? live.store.subscribe : noSubscribe,
    live ? live.store.getSnapshot : emptySnapshot,
    emptySnapshot,
  );
  // Mutations never reject (a button's `onClick={() => mutate.delete(id)}` must not leave an
  // unhandled rejection): a failure, already rolled back, lands in `error` and is also returned.
  const mutate = useMemo<UseLiveListMutate<Row>>(() => {
    const settle = async (work: (open: LiveList<Row>) => Promise<void>): Promise<CovaraClientError | undefined> => {
      if (!live) {
        const notOpen = new CovaraClientError(0, { code: "NOT_READY", detail: "The live list is not open yet" });
        setError(notOpen);
        return notOpen;
      }
      try {
        await work(live);
        return undefined;
      } catch (e) {
        const failure = toClientError(e);
        setError(failure);
        return failure;
      }
    };
    return {
      create: (data) => settle((open) => open.mutate.create(data)),
      update: (id: RowId, patch) => settle((open) => open.mutate.update(id, patch)),
      delete: (id: RowId) => settle((open) => open.mutate.delete(id)),
    };
  }, [live]);
  return { items: items as readonly Row[], status, error, mutate, refetch: () => live?.refetch() ?? Promise.resolve() };
}
