/**
 * A live list: a LiveListStore fed by a subscription. The snapshot fills it, events keep it
 * current, and `invalidate` (or a resume the changelog could not serve) refetches the list.
 */
import type { CovaraClientError } from "./errors";
import type { StreamStatus } from "./event-stream";
import { LiveListStore } from "./live-list";
import type { ResourceClient, SubscribeQuery } from "./resource";
import type { Subscription } from "./subscribe";
import type { ResourceTypeInfo, RowId } from "./types";

export interface LiveListHandle<Row extends object> {
  readonly store: LiveListStore<Row>;
  /** Stream status (open, reconnecting, ...). */
  readonly status: StreamStatus;
  readonly error: CovaraClientError | undefined;
  /** Refetches the list (what `invalidate` does). */
  refetch(): Promise<void>;
  close(): void;
}

export interface LiveListCallbacks<Row> {
  onStatus?(status: StreamStatus): void;
  onError?(error: CovaraClientError): void;
  /** Every applied server event, after the store changed (offline reconciliation listens here). */
  onServerEvent?(
    event: "added" | "changed" | "removed" | "snapshot",
    id: RowId | undefined,
    row: Row | undefined,
  ): void;
}

/** Opens a live list over `resource` for `query`. */
export function openLiveList<Info extends ResourceTypeInfo>(
  resource: ResourceClient<Info>,
  query: SubscribeQuery<Info["row"]> = {},
  callbacks: LiveListCallbacks<Info["row"]> = {},
  store = new LiveListStore<Info["row"]>({ orderBy: query.orderBy }),
): LiveListHandle<Info["row"]> {
  let status: StreamStatus = "connecting";
  let error: CovaraClientError | undefined;
  let refetching: Promise<void> | undefined;

  const refetch = (): Promise<void> => {
    refetching ??= (async () => {
      try {
        const page = await resource.list({
          filter: query.filter,
          select: query.select,
          include: query.include,
          orderBy: query.orderBy,
          limit: query.limit,
          withDeleted: query.withDeleted,
        });
        store.reset(page.items);
        callbacks.onServerEvent?.("snapshot", undefined, undefined);
      } catch (e) {
        error = e as CovaraClientError;
        callbacks.onError?.(error);
      } finally {
        refetching = undefined;
      }
    })();
    return refetching;
  };

  const subscription: Subscription = resource.subscribe(query, {
    onSnapshot: (items) => {
      store.reset(items);
      callbacks.onServerEvent?.("snapshot", undefined, undefined);
    },
    onAdded: (row, id) => {
      store.upsert(row);
      callbacks.onServerEvent?.("added", id, row);
    },
    onChanged: (row, id) => {
      store.upsert(row);
      callbacks.onServerEvent?.("changed", id, row);
    },
    onRemoved: (id) => {
      store.remove(id);
      callbacks.onServerEvent?.("removed", id, undefined);
    },
    onInvalidate: () => void refetch(),
    // Several events in one read (a burst of writes) notify the UI once.
    batch: (apply) => store.batch(apply),
    onError: (e) => {
      error = e;
      callbacks.onError?.(e);
    },
    onStatus: (next) => {
      status = next;
      if (next === "open") error = undefined;
      callbacks.onStatus?.(next);
    },
  });

  return {
    store,
    get status() {
      return status;
    },
    get error() {
      return error;
    },
    refetch,
    close: () => subscription.close(),
  };
}
