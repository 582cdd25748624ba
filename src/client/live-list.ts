/**
 * An ordered, filtered list kept current by a snapshot and then added/changed/removed events.
 * Rows live in an array kept sorted by binary search, so one event costs O(log n) comparisons and
 * one splice; the immutable `items` view that UIs read is rebuilt at most once per change batch,
 * when read, not once per event.
 */
import { createRowComparator } from "./order";
import type { RowId } from "./types";

export interface LiveListOptions<Row> {
  /** Same syntax as the list endpoint; the id is always the last tie-breaker. */
  orderBy?: string;
  /** The primary-key field. Default "id". */
  idKey?: string;
  /** Rows failing it are kept out (for local writes; server events are already filtered). */
  predicate?: (row: Row) => boolean;
}

type Listener = () => void;

/** A live list store; `subscribe`/`getSnapshot` fit React's useSyncExternalStore. */
export class LiveListStore<Row extends object> {
  private readonly rows: Row[] = [];
  private readonly byId = new Map<string, Row>();
  private readonly compare: (a: Row, b: Row) => number;
  private readonly listeners = new Set<Listener>();
  private readonly idKey: string;
  private readonly predicate: ((row: Row) => boolean) | undefined;
  private view: readonly Row[] = [];
  private viewVersion = -1;
  private version = 0;
  private batchDepth = 0;
  private dirty = false;

  constructor(options: LiveListOptions<Row> = {}) {
    this.idKey = options.idKey ?? "id";
    this.compare = createRowComparator<Row>(options.orderBy, this.idKey);
    this.predicate = options.predicate;
  }

  /** The current rows, in order (the same array until something changes). */
  get items(): readonly Row[] {
    if (this.viewVersion !== this.version) {
      this.view = this.rows.slice();
      this.viewVersion = this.version;
    }
    return this.view;
  }

  get size(): number {
    return this.rows.length;
  }

  /** The row with this id, if held. */
  get(id: RowId): Row | undefined {
    return this.byId.get(String(id));
  }

  has(id: RowId): boolean {
    return this.byId.has(String(id));
  }

  /** Replaces every row (a snapshot or a refetch). */
  reset(rows: readonly Row[]): void {
    this.rows.length = 0;
    this.byId.clear();
    for (const row of rows) {
      if (this.predicate && !this.predicate(row)) continue;
      const key = this.keyOf(row);
      if (this.byId.has(key)) continue;
      this.byId.set(key, row);
      this.rows.push(row);
    }
    this.rows.sort(this.compare);
    this.changed();
  }

  /** Inserts or replaces a row by id (an `added` or `changed` event). */
  upsert(row: Row): void {
    const key = this.keyOf(row);
    const previous = this.byId.get(key);
    if (previous !== undefined) this.removeAt(this.indexOf(previous));
    if (this.predicate && !this.predicate(row)) {
      this.byId.delete(key);
      if (previous !== undefined) this.changed();
      return;
    }
    this.byId.set(key, row);
    this.rows.splice(this.insertionPoint(row), 0, row);
    this.changed();
  }

  /** Removes a row by id; ids not held are ignored (as the server's conservative `removed` needs). */
  remove(id: RowId): boolean {
    const key = String(id);
    const row = this.byId.get(key);
    if (row === undefined) return false;
    this.byId.delete(key);
    this.removeAt(this.indexOf(row));
    this.changed();
    return true;
  }

  /** Runs several changes and notifies once at the end. */
  batch(apply: () => void): void {
    this.batchDepth++;
    try {
      apply();
    } finally {
      if (--this.batchDepth === 0 && this.dirty) {
        this.dirty = false;
        this.emit();
      }
    }
  }

  /** Registers a change listener; returns its remover. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The immutable view (React's getSnapshot). */
  getSnapshot = (): readonly Row[] => this.items;

  private keyOf(row: Row): string {
    return String((row as Record<string, unknown>)[this.idKey]);
  }

  /** First index whose row sorts after `row`. */
  private insertionPoint(row: Row): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.rows[mid] as Row, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of a row held (the order is total, so binary search lands on it exactly). */
  private indexOf(row: Row): number {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(this.rows[mid] as Row, row);
      if (c === 0) return this.rows[mid] === row ? mid : this.rows.indexOf(row);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return this.rows.indexOf(row);
  }

  private removeAt(index: number): void {
    if (index >= 0) this.rows.splice(index, 1);
  }

  private changed(): void {
    this.version++;
    if (this.batchDepth > 0) this.dirty = true;
    else this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
