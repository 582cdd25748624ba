/**
 * The offline layer: optimistic writes into every live list of a path (in every tab), a persisted
 * queue replayed in order when the network is back (by one tab at a time), temporary ids swapped
 * for server ids, field-level merge on a version conflict, and rollback of writes the server
 * refuses. Only one place decides each of these; live lists just register here.
 */
import type { CovaraClient } from "../client-core";
import { CovaraClientError, toClientError } from "../errors";
import type { LiveListStore } from "../live-list";
import type { AppTypeSource, RowId } from "../types";
import { applyMutation, applyPending, optimisticRow, rollback, sameValue } from "./overlay";
import { indexedDbQueueStorage, memoryQueueStorage, type QueuedMutation, type QueueStorage } from "./queue-storage";
import { openTabChannel, platformOnline, withExclusiveLock, type TabChannel } from "./tabs";

export { indexedDbQueueStorage, memoryQueueStorage };
export type { QueuedMutation, QueueStorage };

/** A write whose fields the server also changed meanwhile. */
export interface OfflineConflict {
  mutation: QueuedMutation;
  /** Fields both sides changed. */
  fields: string[];
  /** The row as the server has it now. */
  server: Record<string, unknown>;
}

export interface OfflineOptions {
  /** Default: IndexedDB in browsers, memory elsewhere. */
  storage?: QueueStorage;
  idKey?: string;
  /** The integer version column used for If-Match (when rows carry it). Default "version". */
  versionField?: string;
  /** Decides a same-field conflict: keep the local value or the server's. Default "server". */
  onConflict?: (conflict: OfflineConflict) => "local" | "server" | Promise<"local" | "server">;
  /** A queued write the server refused (403, 409, 422, ...): it was rolled back. */
  onRejected?: (mutation: QueuedMutation, error: CovaraClientError) => void;
  /** BroadcastChannel and lock name. Default "covara-offline". */
  channelName?: string;
  /** Delay before retrying after a network failure. Default 2000 ms. */
  retryMs?: number;
  /**
   * How long a created row waits for the live stream to confirm it (an `added`/`changed` event)
   * before it is taken out of the list: a row outside the list's filter or scope is never
   * confirmed and must not stay as a phantom. Default 5000 ms.
   */
  confirmMs?: number;
}

type TabMessage =
  | { type: "enqueued"; mutation: QueuedMutation }
  | { type: "settled"; mutation: QueuedMutation; row?: Record<string, unknown>; rejected?: boolean };

type Store = LiveListStore<Record<string, unknown>>;

let tempCounter = 0;
const tempId = (): string =>
  `tmp_${Date.now().toString(36)}_${(++tempCounter).toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

/** The offline layer of one client. */
export class OfflineManager {
  private readonly client: CovaraClient<AppTypeSource>;
  private readonly options: OfflineOptions;
  private readonly storage: QueueStorage;
  private readonly idKey: string;
  private readonly stores = new Map<string, Set<Store>>();
  private readonly listeners = new Set<() => void>();
  private readonly channel: TabChannel<TabMessage>;
  private queue: QueuedMutation[] = [];
  private flushing: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onOnline = (): void => void this.flush();
  /** Creates in flight: their optimistic row is dropped as soon as the server's own row shows up. */
  private readonly inflightCreates = new Map<string, QueuedMutation>();
  /** True while this tab holds the replay lock. */
  private replaying = false;
  /** Created rows the live stream has not confirmed yet, with the timer that drops them. */
  private readonly unconfirmed = new Map<string, ReturnType<typeof setTimeout>>();
  /** Resolves once the persisted queue is loaded (and re-applied). */
  readonly ready: Promise<void>;

  constructor(client: CovaraClient<AppTypeSource>, options: OfflineOptions = {}) {
    this.client = client;
    this.options = options;
    this.idKey = options.idKey ?? "id";
    this.storage = options.storage ?? indexedDbQueueStorage();
    this.channel = openTabChannel<TabMessage>(options.channelName ?? "covara-offline", (message) =>
      this.fromOtherTab(message),
    );
    (globalThis as { addEventListener?: typeof addEventListener }).addEventListener?.("online", this.onOnline);
    this.ready = this.storage
      .load()
      .catch((error: unknown) => {
        console.warn(`covara: the offline queue could not be loaded (${String(error)}); starting empty`);
        return [] as QueuedMutation[];
      })
      .then((stored) => {
        this.queue = stored;
        for (const m of stored) this.forEachStore(m.path, (store) => applyMutation(store, m, this.idKey));
        this.changed();
        void this.flush();
      });
  }

  /** Queued writes, oldest first. */
  pending(path?: string): readonly QueuedMutation[] {
    return path === undefined ? this.queue : this.queue.filter((m) => m.path === path);
  }

  /** Listens for queue changes; returns the remover. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Lets a live list receive optimistic changes; returns the remover. */
  register(path: string, store: Store): () => void {
    let set = this.stores.get(path);
    if (!set) this.stores.set(path, (set = new Set()));
    set.add(store);
    applyPending(store, this.pending(path), this.idKey);
    return () => set.delete(store);
  }

  /** Called by a live list after it applied a server event or snapshot. */
  afterServerEvent(
    path: string,
    store: Store,
    event: "added" | "changed" | "removed" | "snapshot",
    id: RowId | undefined,
    row: Record<string, unknown> | undefined,
  ): void {
    if (id !== undefined) this.confirm(path, id);
    // With nothing queued (the usual case online) there is no write to lay over the server's rows,
    // and no need to scan the queue for this path on every event.
    const queued = this.queue.length > 0;
    if (event === "snapshot") {
      // The snapshot is the server's word on which rows belong: nothing is left to confirm.
      for (const key of [...this.unconfirmed.keys()])
        if (key.startsWith(`${path}\u0000`)) this.confirm(path, key.slice(path.length + 1));
      if (queued) applyPending(store, this.pending(path), this.idKey);
      return;
    }
    if (event === "added" && row) this.claimOwnCreate(path, row);
    if (queued && id !== undefined && event !== "removed") applyPending(store, this.pending(path), this.idKey, id);
  }

  /** Optimistic writes for `path`: applied now, sent when possible. */
  mutate(path: string): {
    create(data: Record<string, unknown>): Promise<QueuedMutation>;
    update(id: RowId, patch: Record<string, unknown>): Promise<QueuedMutation>;
    delete(id: RowId): Promise<QueuedMutation>;
  } {
    return {
      create: (data) => {
        const given = data[this.idKey];
        const rowId = typeof given === "string" || typeof given === "number" ? given : tempId();
        return this.enqueue({ path, op: "create", rowId, data });
      },
      update: (id, patch) => this.enqueue({ path, op: "update", rowId: id, data: patch, base: this.known(path, id) }),
      delete: (id) => this.enqueue({ path, op: "delete", rowId: id, base: this.known(path, id) }),
    };
  }

  /** Replays the queue in order (one tab at a time); stops at the first network failure. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        await this.ready;
        await withExclusiveLock(`${this.options.channelName ?? "covara-offline"}:flush`, () => this.replay());
      } catch {
        // Storage trouble mid-replay: keep the queue and try again later.
        this.scheduleRetry();
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  close(): void {
    for (const timer of this.unconfirmed.values()) clearTimeout(timer);
    this.unconfirmed.clear();
    this.channel.close();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    (globalThis as { removeEventListener?: typeof removeEventListener }).removeEventListener?.("online", this.onOnline);
  }

  private known(path: string, id: RowId): Record<string, unknown> | undefined {
    for (const store of this.stores.get(path) ?? []) {
      const row = store.get(id);
      if (row) return { ...row };
    }
    return undefined;
  }

  private async enqueue(partial: Omit<QueuedMutation, "id" | "seq" | "createdAt">): Promise<QueuedMutation> {
    const now = Date.now();
    const mutation: QueuedMutation = {
      ...partial,
      id: tempId(),
      seq: now + (tempCounter % 1000) / 1000,
      createdAt: now,
    };
    this.queue.push(mutation);
    this.forEachStore(mutation.path, (store) => applyMutation(store, mutation, this.idKey));
    await this.storage.put(mutation);
    this.channel.post({ type: "enqueued", mutation });
    this.changed();
    if (platformOnline()) void this.flush();
    return mutation;
  }

  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      await this.replayQueue();
    } finally {
      this.replaying = false;
    }
  }

  private async replayQueue(): Promise<void> {
    // The shared storage is the truth: other tabs may have queued writes this tab has not heard of.
    const stored = await this.storage.load();
    const known = new Set(this.queue.map((m) => m.id));
    for (const m of stored) if (!known.has(m.id)) this.queue.push(m);
    this.queue.sort((a, b) => a.seq - b.seq);
    while (this.queue.length > 0) {
      const m = this.queue[0] as QueuedMutation;
      let outcome: { row?: Record<string, unknown>; rejected?: CovaraClientError };
      try {
        outcome = await this.send(m);
      } catch (error) {
        const failure = toClientError(error);
        if (failure.status === 0 || failure.status >= 500 || failure.status === 401 || failure.status === 429) {
          this.inflightCreates.delete(String(m.rowId));
          this.scheduleRetry();
          return;
        }
        outcome = { rejected: failure };
      }
      await this.settle(m, outcome.row, outcome.rejected);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, this.options.retryMs ?? 2000);
  }

  /** Sends one mutation; throws on failure (network or refusal). */
  private async send(m: QueuedMutation): Promise<{ row?: Record<string, unknown> }> {
    const resource = this.client.resource<Record<string, unknown>>(m.path);
    if (m.op === "create") {
      // In flight until settle() has swapped the rows: the stream's `added` may land in between.
      this.inflightCreates.set(String(m.rowId), m);
      return { row: await resource.create({ ...m.data }) };
    }
    if (m.op === "delete") {
      try {
        await resource.delete(m.rowId);
      } catch (error) {
        // Already gone is what we wanted.
        if (toClientError(error).status !== 404) throw error;
      }
      return {};
    }
    return { row: await this.sendUpdate(m) };
  }

  /** PATCH with If-Match from the version the user edited; on 412, merge field by field. */
  private async sendUpdate(m: QueuedMutation): Promise<Record<string, unknown>> {
    const resource = this.client.resource<Record<string, unknown>>(m.path);
    const versionField = this.options.versionField ?? "version";
    const version = m.base?.[versionField];
    const patch = { ...m.data };
    if (typeof version !== "number") return resource.update(m.rowId, patch);
    try {
      return await resource.update(m.rowId, patch, { ifMatch: `"v${version}"` });
    } catch (error) {
      if (toClientError(error).status !== 412) throw error;
    }
    const server = await resource.get(m.rowId);
    const fields = Object.keys(patch).filter(
      (field) => !sameValue(server[field], m.base?.[field]) && !sameValue(server[field], patch[field]),
    );
    if (fields.length > 0) {
      const decision = (await this.options.onConflict?.({ mutation: m, fields, server })) ?? "server";
      if (decision === "server") for (const field of fields) delete patch[field];
    }
    if (Object.keys(patch).length === 0) return server;
    return resource.update(m.rowId, patch, { ifMatch: true });
  }

  private async settle(
    m: QueuedMutation,
    row: Record<string, unknown> | undefined,
    rejected?: CovaraClientError,
  ): Promise<void> {
    this.queue = this.queue.filter((q) => q.id !== m.id);
    await this.storage.delete(m.id);
    if (!rejected && m.op === "create" && row) this.retarget(m.path, m.rowId, row[this.idKey] as RowId);
    this.applySettlement(m, row, rejected !== undefined);
    this.inflightCreates.delete(String(m.rowId));
    this.channel.post({
      type: "settled",
      mutation: m,
      ...(row ? { row } : {}),
      ...(rejected ? { rejected: true } : {}),
    });
    if (rejected)
      this.options.onRejected?.(
        m,
        new CovaraClientError(rejected.status, { ...rejected.problem, code: rejected.code }, { cause: rejected }),
      );
    this.changed();
  }

  /** Queued writes that named a temporary id now name the server's id. */
  private retarget(path: string, from: RowId, to: RowId, persist = true): void {
    if (String(from) === String(to)) return;
    for (const q of this.queue) {
      if (q.path === path && String(q.rowId) === String(from)) {
        q.rowId = to;
        // Only the replaying tab writes: another tab's put could revive a write already settled.
        if (persist) void this.storage.put(q);
      }
    }
  }

  private applySettlement(m: QueuedMutation, row: Record<string, unknown> | undefined, rejected: boolean): void {
    this.forEachStore(m.path, (store) =>
      store.batch(() => {
        if (rejected) return rollback(store, m);
        if (m.op === "create") {
          store.remove(m.rowId);
          if (row && !store.has(row[this.idKey] as RowId)) {
            store.upsert(row);
            this.awaitConfirmation(m.path, row[this.idKey] as RowId);
          }
        } else if (row) store.upsert(row);
        if (row) applyPending(store, this.pending(m.path), this.idKey, row[this.idKey] as RowId);
      }),
    );
  }

  private awaitConfirmation(path: string, id: RowId): void {
    const key = `${path}\u0000${String(id)}`;
    clearTimeout(this.unconfirmed.get(key));
    const timer = setTimeout(() => {
      this.unconfirmed.delete(key);
      this.forEachStore(path, (store) => store.remove(id));
    }, this.options.confirmMs ?? 5000);
    (timer as { unref?: () => void }).unref?.();
    this.unconfirmed.set(key, timer);
  }

  private confirm(path: string, id: RowId): void {
    const key = `${path}\u0000${String(id)}`;
    const timer = this.unconfirmed.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.unconfirmed.delete(key);
  }

  /**
   * The server's `added` for a create still in flight is that create: drop the optimistic twin.
   * A tab that is not replaying (another tab is) cannot see what is in flight, so it matches the
   * creates still in its queue.
   */
  private claimOwnCreate(path: string, row: Record<string, unknown>): void {
    const candidates = this.replaying
      ? [...this.inflightCreates.values()]
      : this.queue.filter((q) => q.op === "create");
    for (const m of candidates) {
      if (m.path !== path || String(m.rowId) === String(row[this.idKey])) continue;
      const matches = Object.entries(m.data ?? {}).every(([field, value]) => sameValue(row[field], value));
      if (!matches) continue;
      this.inflightCreates.delete(String(m.rowId));
      this.forEachStore(path, (store) => store.remove(m.rowId));
      return;
    }
  }

  private fromOtherTab(message: TabMessage): void {
    const m = message.mutation;
    if (message.type === "enqueued") {
      if (this.queue.some((q) => q.id === m.id)) return;
      this.queue.push(m);
      this.queue.sort((a, b) => a.seq - b.seq);
      this.forEachStore(m.path, (store) => applyMutation(store, m, this.idKey));
    } else {
      this.queue = this.queue.filter((q) => q.id !== m.id);
      if (m.op === "create" && message.row && !message.rejected)
        this.retarget(m.path, m.rowId, message.row[this.idKey] as RowId, false);
      this.applySettlement(m, message.row, message.rejected === true);
    }
    this.changed();
  }

  private forEachStore(path: string, run: (store: Store) => void): void {
    for (const store of this.stores.get(path) ?? []) run(store);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Creates the offline layer of a client. */
export function createOfflineManager(
  client: CovaraClient<AppTypeSource>,
  options: OfflineOptions = {},
): OfflineManager {
  return new OfflineManager(client, options);
}

export { optimisticRow };
