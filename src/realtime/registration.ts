/**
 * A resource mounted on a realtime hub: its subscribers, and how a changelog entry of the resource
 * is made ready for them. Entries written by covara carry the row; external ones
 * (recordExternalMutation) carry only the id, so the row is read again, once per entry, and then
 * treated like any other change.
 */
import type { ChangelogEntry } from "../kernel/changelog";
import { deliverEntry } from "./fan-out";
import { OpenCache } from "./open-cache";
import type { ResourceHandle } from "../resource/extension";
import { reviveRow } from "./revive";
import type { PreparedEntry, RowSubscription } from "./row-subscription";

type Row = Record<string, unknown>;

/** Per-resource subscription settings (`ResourceConfig.subscriptions`). */
export interface ResolvedSubscriptionSettings {
  maxSnapshotRows: number;
  maxTrackedRows: number;
  aggregateIntervalMs: number;
  reauthorizeMs: number;
}

/** What a live aggregate needs to hear about. */
export interface AggregateListener {
  touch(seq: number): void;
}

export class Registration {
  readonly rows = new Set<RowSubscription>();
  readonly aggregates = new Set<AggregateListener>();
  /** Predicates and snapshots shared by openings of the same subscription. */
  readonly openCache = new OpenCache();

  constructor(
    readonly runtime: ResourceHandle,
    readonly settings: ResolvedSubscriptionSettings,
  ) {}

  get name(): string {
    return this.runtime.name;
  }

  /**
   * Delivers one entry of this resource to every subscriber (queued for those catching up);
   * resolves with the most bytes queued on one stream (see deliverEntry).
   */
  async dispatch(entry: ChangelogEntry): Promise<number> {
    for (const listener of this.aggregates) listener.touch(entry.seq);
    if (this.rows.size === 0) return 0;
    const prepared = await this.prepare(entry);
    const live: RowSubscription[] = [];
    for (const subscriber of this.rows) {
      if (subscriber.catchingUp) subscriber.queueBacklog(prepared);
      else live.push(subscriber);
    }
    return deliverEntry(prepared, live);
  }

  /** Tells every subscriber to refetch (entries were lost). */
  invalidateAll(seq: number, reason: string): void {
    // Entries were lost: a snapshot read at some position may no longer be what that position means.
    this.openCache.clearSnapshots();
    const prepared: PreparedEntry = { kind: "invalidate", seq, reason };
    const live: RowSubscription[] = [];
    for (const subscriber of this.rows) {
      if (subscriber.catchingUp) subscriber.queueBacklog(prepared);
      else live.push(subscriber);
    }
    // One delivery for all of them, so the event is encoded once.
    void deliverEntry(prepared, live);
    for (const listener of this.aggregates) listener.touch(seq);
  }

  /** The entry's row in its column types, or re-read from the database for an external write. */
  async prepare(entry: ChangelogEntry): Promise<PreparedEntry> {
    const info = this.runtime.info;
    if (typeof entry.data === "object" && entry.data !== null) {
      const row = reviveRow(info, entry.data as Row);
      const id = row[info.idKey] ?? entry.objectId;
      // A soft delete keeps the (marked) row: subscribers that see deleted rows get it changed.
      const gone = entry.op === "delete" && info.softDeleteKey === null;
      return { kind: "row", seq: entry.seq, op: entry.op, id, key: String(id), row: gone ? null : row };
    }
    let id: string | number | bigint;
    try {
      id = this.runtime.parseId(entry.objectId);
    } catch {
      return { kind: "invalidate", seq: entry.seq, reason: "unreadable-id" };
    }
    if (entry.op === "delete") return { kind: "row", seq: entry.seq, op: entry.op, id, key: String(id), row: null };
    try {
      const row = (await this.runtime.findById(id)) ?? null;
      return { kind: "row", seq: entry.seq, op: entry.op, id, key: String(id), row };
    } catch (error) {
      this.runtime.app.logger.error(
        `covara realtime: re-reading ${info.name} '${entry.objectId}' after an external change failed`,
        error,
      );
      return { kind: "invalidate", seq: entry.seq, reason: "reread-failed" };
    }
  }
}
