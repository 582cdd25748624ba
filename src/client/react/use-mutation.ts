/**
 * `useMutation(path)`: create, update, delete and rpc with pending and error state. With the
 * offline layer on, writes are queued and applied optimistically; cached queries of the path are
 * refetched after each write.
 */
import { useCallback, useMemo, useState } from "react";
import type { ResourceClient } from "../resource";
import type { RowId, UntypedResource } from "../types";
import { useCovara } from "./provider";

export interface UseMutationResult<Row> {
  create(data: Partial<Row>): Promise<Row | undefined>;
  update(id: RowId, patch: Partial<Row>): Promise<Row | undefined>;
  delete(id: RowId): Promise<void>;
  rpc<O = unknown>(name: string, input?: unknown): Promise<O>;
  isPending: boolean;
  error: unknown;
}

/** Write helpers for `path`. */
export function useMutation<Row extends object = Record<string, unknown>>(path: string): UseMutationResult<Row> {
  const { client, cache } = useCovara();
  const [pending, setPending] = useState(0);
  const [error, setError] = useState<unknown>(undefined);

  const run = useCallback(
    async <T>(work: () => Promise<T>): Promise<T> => {
      setPending((n) => n + 1);
      setError(undefined);
      try {
        const result = await work();
        cache.invalidate(path);
        return result;
      } catch (e) {
        setError(e);
        throw e;
      } finally {
        setPending((n) => n - 1);
      }
    },
    [cache, path],
  );

  return useMemo(() => {
    // A generic Row keeps the path's type conditional unresolved here; the fallback shape is the one meant.
    const resource = client.resource<Row>(path) as ResourceClient<UntypedResource<Row>>;
    const queued = client.offline?.mutate(path);
    return {
      create: (data) =>
        run(async () => (queued ? void (await queued.create(data)) : ((await resource.create(data)) as Row))),
      update: (id, patch) =>
        run(async () => (queued ? void (await queued.update(id, patch)) : ((await resource.update(id, patch)) as Row))),
      delete: (id) => run(async () => void (queued ? await queued.delete(id) : await resource.delete(id))),
      rpc: <O>(name: string, input?: unknown) => run(async () => (await resource.rpc(name, input)) as O),
      isPending: pending > 0,
      error,
    };
  }, [client, path, run, pending, error]);
}
