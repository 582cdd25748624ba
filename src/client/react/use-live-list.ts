/** `useLiveList`: a live, ordered list of a resource with optimistic (and offline) mutations. */
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { CovaraClientError } from "../errors";
import type { StreamStatus } from "../event-stream";
import { liveList, type LiveList, type LiveListMutate } from "../live";
import type { SubscribeQuery } from "../resource";
import type { RowId } from "../types";
import { queryKey } from "./key";
import { useClient } from "./provider";

export interface UseLiveListResult<Row> {
  items: readonly Row[];
  status: StreamStatus;
  error: CovaraClientError | undefined;
  mutate: LiveListMutate<Row>;
  refetch(): Promise<void>;
}

const EMPTY: readonly never[] = [];
const noSubscribe = (): (() => void) => () => {};
const emptySnapshot = (): readonly never[] => EMPTY;

/** Subscribes to `path` with `query` while mounted; `items` stay current over SSE. */
export function useLiveList<Row extends object = Record<string, unknown>>(path: string, query: SubscribeQuery<Row> = {}): UseLiveListResult<Row> {
  const client = useClient();
  const key = queryKey(path, query);
  const [live, setLive] = useState<LiveList<Row> | undefined>(undefined);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [error, setError] = useState<CovaraClientError | undefined>(undefined);

  useEffect(() => {
    const opened = liveList<Row>(client, path, query, { onStatus: setStatus, onError: setError });
    setLive(opened);
    return () => {
      opened.close();
      setLive(undefined);
    };
    // The key covers path and query; a new object with the same content must not resubscribe.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);

  const items = useSyncExternalStore(live ? live.store.subscribe : noSubscribe, live ? live.store.getSnapshot : emptySnapshot, emptySnapshot);
  const mutate = useMemo<LiveListMutate<Row>>(
    () => ({
      create: (data) => (live ? live.mutate.create(data) : Promise.reject(new Error("The live list is not open yet"))),
      update: (id: RowId, patch) => (live ? live.mutate.update(id, patch) : Promise.reject(new Error("The live list is not open yet"))),
      delete: (id: RowId) => (live ? live.mutate.delete(id) : Promise.reject(new Error("The live list is not open yet"))),
    }),
    [live],
  );
  return { items: items as readonly Row[], status, error, mutate, refetch: () => live?.refetch() ?? Promise.resolve() };
}
