/** `useLiveAggregate`: grouped aggregates of a resource, pushed again on every change. */
import { useEffect, useState } from "react";
import type { CovaraClientError } from "../errors";
import type { StreamStatus } from "../event-stream";
import type { AggregateParams } from "../resource";
import { queryKey } from "./key";
import { useClient } from "./provider";

export interface UseLiveAggregateResult<G> {
  groups: (G & { count: number })[];
  status: StreamStatus;
  error: CovaraClientError | undefined;
}

/** Subscribes to `/aggregate/subscribe` of `path` while mounted. */
export function useLiveAggregate<G extends Record<string, unknown> = Record<string, unknown>>(
  path: string,
  params: Omit<AggregateParams, "signal"> = {},
): UseLiveAggregateResult<G> {
  const client = useClient();
  const key = queryKey(path, params);
  const [groups, setGroups] = useState<(G & { count: number })[]>([]);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [error, setError] = useState<CovaraClientError | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for path and params (a new object with the same content must not resubscribe)
  useEffect(() => {
    const sub = client
      .resource(path)
      .subscribeAggregate<G>(params, (next) => setGroups(next), { onStatus: setStatus, onError: setError });
    return () => sub.close();
  }, [client, key]);
  return { groups, status, error };
}
