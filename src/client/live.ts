/**
 * `liveList(client, path, query)`: a live list wired to everything around it — the offline layer
 * (optimistic writes, queued replay), `client.invalidate`, and a `mutate` that is optimistic even
 * without the offline layer (a delete disappears at once and comes back if the server refuses).
 */
import { assumeType } from "../kernel/erased";
import type { Client } from "./client";
import { LiveListStore } from "./live-list";
import { openLiveList, type LiveListCallbacks, type LiveListHandle } from "./live-query";
import type { SubscribeQuery } from "./resource";
import type { AppTypeSource, RowId } from "./types";

export interface LiveListMutate<Row> {
  create(data: Partial<Row>): Promise<void>;
  update(id: RowId, patch: Partial<Row>): Promise<void>;
  delete(id: RowId): Promise<void>;
}

export interface LiveList<Row extends object> extends LiveListHandle<Row> {
  readonly mutate: LiveListMutate<Row>;
}

type AnyRecord = Record<string, unknown>;

/** Opens a live list of `path` with optimistic mutations. */
export function liveList<Row extends object = AnyRecord>(
  client: Client<AppTypeSource>,
  path: string,
  query: SubscribeQuery<Row> = {},
  callbacks: Omit<LiveListCallbacks<Row>, "onServerEvent"> = {},
): LiveList<Row> {
  const store = new LiveListStore<AnyRecord>({ orderBy: query.orderBy });
  const offline = client.offline;
  const resource = client.resource<AnyRecord>(path);
  const handle = openLiveList(
    resource,
    query as SubscribeQuery<AnyRecord>,
    {
      onStatus: callbacks.onStatus,
      onError: callbacks.onError,
      onServerEvent: (event, id, row) => offline?.afterServerEvent(path, store, event, id, row),
    },
    store,
  );
  const unregister = offline?.register(path, store);
  const stopInvalidate = client.onInvalidate((p) => {
    if (p === undefined || p === path) void handle.refetch();
  });

  const online: LiveListMutate<AnyRecord> = {
    async create(data) {
      // The row arrives through the live stream (`added`) when it matches the list's filter and
      // scope; inserting it here could show a row the list does not hold.
      await resource.create(data);
    },
    async update(id, patch) {
      const before = store.get(id);
      if (before) store.upsert({ ...before, ...patch });
      try {
        store.upsert(await resource.update(id, patch));
      } catch (error) {
        if (before) store.upsert(before);
        throw error;
      }
    },
    async delete(id) {
      const before = store.get(id);
      store.remove(id);
      try {
        await resource.delete(id);
      } catch (error) {
        if (before) store.upsert(before);
        throw error;
      }
    },
  };
  const queued = offline?.mutate(path);
  const mutate: LiveListMutate<AnyRecord> = queued
    ? {
        create: async (data) => void (await queued.create(data)),
        update: async (id, patch) => void (await queued.update(id, patch)),
        delete: async (id) => void (await queued.delete(id)),
      }
    : online;

  return {
    // The store and the mutators work on untyped records at run time; Row is the resource's row
    // type from the app type the caller asked for, which the server's responses have.
    store: assumeType<LiveListStore<Row>>(store),
    get status() {
      return handle.status;
    },
    get error() {
      return handle.error;
    },
    refetch: handle.refetch,
    mutate: assumeType<LiveListMutate<Row>>(mutate),
    close() {
      handle.close();
      unregister?.();
      stopInvalidate();
    },
  };
}
