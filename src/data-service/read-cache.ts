/**
 * The data service's in-process read cache. `get` results are keyed by table and id, `list`
 * results by table and query; invalidation follows hapta's table: a row's `get` entry goes on
 * its update or delete, every `list` entry of a table goes on any write to it, and so does every
 * read made for an actor through the table's resource (`viewKey`). Values are deeply
 * frozen instead of copied on each hit, so a hit costs a map lookup.
 */
import { DynamicTtl } from "./dynamic-ttl";
import type { CacheStats, RowId } from "./types";

interface Entry {
  value: unknown;
  expires: number;
  table: string;
  /** The shared version counter of the key when the value was read (null without a shared KV). */
  version: string | null;
}

export interface Change {
  table: string;
  op: "create" | "update" | "delete";
  id: RowId;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export const getKey = (table: string, id: RowId) => `g\u0000${table}\u0000${typeof id}:${String(id)}`;
export const listKey = (table: string, query: string) => `l\u0000${table}\u0000${query}`;
/**
 * A read for one actor's view (see scoped-reads.ts): a list-kind key, so any write to the table
 * drops it (a write can move rows into or out of a scope, not only change the row read).
 */
export const viewKey = (table: string, view: string, read: string) => listKey(table, `v\u0000${view}\u0000${read}`);

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly lists = new Map<string, Set<string>>();
  /** Bumped on every change of a table: a read that started before a change does not store its result. */
  private readonly epochs = new Map<string, number>();
  private readonly ttl: DynamicTtl;
  private hits = 0;
  private misses = 0;

  constructor(
    minTtlMs: number,
    maxTtlMs: number,
    private readonly maxEntries: number,
  ) {
    this.ttl = new DynamicTtl(minTtlMs, maxTtlMs, maxEntries * 2);
  }

  epoch(table: string): number {
    return this.epochs.get(table) ?? 0;
  }

  /** The cached value, or undefined on a miss (counted either way); an entry of another shared version is a miss. */
  read(key: string, version: string | null = null, now = Date.now()): unknown {
    const entry = this.entries.get(key);
    if (entry && entry.expires > now && entry.version === version) {
      this.hits++;
      return entry.value;
    }
    if (entry) this.remove(key);
    this.misses++;
    return undefined;
  }

  /** Stores a result read at `epoch`, unless the table changed since; returns the frozen value. */
  store<T>(table: string, key: string, value: T, epoch: number, version: string | null = null): T {
    const frozen = deepFreeze(value);
    if (epoch !== this.epoch(table)) return frozen;
    if (this.entries.has(key)) this.remove(key);
    else if (this.entries.size >= this.maxEntries) this.remove(this.entries.keys().next().value!);
    this.entries.set(key, {
      value: frozen,
      expires: Date.now() + this.ttl.ttlOf(this.ttlKey(table, key)),
      table,
      version,
    });
    if (key.startsWith("l")) {
      let keys = this.lists.get(table);
      if (!keys) this.lists.set(table, (keys = new Set()));
      keys.add(key);
    }
    return frozen;
  }

  /** Applies committed changes: hapta's invalidation table, and the change history behind the TTLs. */
  apply(changes: readonly Change[]): void {
    const now = Date.now();
    const tables = new Set<string>();
    for (const { table, op, id } of changes) {
      tables.add(table);
      if (op !== "create") {
        const key = getKey(table, id);
        this.ttl.changed(key, now);
        this.remove(key);
      }
    }
    for (const table of tables) {
      this.epochs.set(table, this.epoch(table) + 1);
      this.ttl.changed(`l\u0000${table}`, now);
      for (const key of this.lists.get(table) ?? []) this.entries.delete(key);
      this.lists.delete(table);
    }
  }

  stats(): CacheStats {
    const reads = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRate: reads === 0 ? 0 : this.hits / reads,
      entries: this.entries.size,
    };
  }

  /** Every list of a table shares one change history (any write empties them all). */
  private ttlKey(table: string, key: string): string {
    return key.startsWith("l") ? `l\u0000${table}` : key;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.lists.get(entry.table)?.delete(key);
  }
}
