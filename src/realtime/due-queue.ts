/**
 * A min-heap of items by due time, so a periodic tick looks only at what is due instead of at
 * everything it holds. An item whose due time changes is pushed again; entries that no longer
 * match their item's current due time are skipped when they come up (`isCurrent`), and the heap
 * is rebuilt from the live entries when stale ones outnumber them.
 */
interface Entry<T> {
  item: T;
  dueAt: number;
}

export class DueQueue<T> {
  private heap: Entry<T>[] = [];

  constructor(
    /** Whether an entry still stands: the item is still tracked and still due at `dueAt`. */
    private readonly isCurrent: (item: T, dueAt: number) => boolean,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `item` at `dueAt` (an earlier entry for it becomes stale). */
  push(item: T, dueAt: number): void {
    this.heap.push({ item, dueAt });
    this.up(this.heap.length - 1);
  }

  /** Removes and returns the current items due at or before `now`, earliest first. */
  takeDue(now: number): T[] {
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.dueAt <= now) {
      const top = this.pop();
      if (this.isCurrent(top.item, top.dueAt)) due.push(top.item);
    }
    return due;
  }

  /** Drops stale entries when they are more than half the heap and `live` is how many items stand. */
  compact(live: number): void {
    if (this.heap.length <= 64 || this.heap.length <= live * 2) return;
    const kept = this.heap.filter((entry) => this.isCurrent(entry.item, entry.dueAt));
    this.heap = [];
    for (const entry of kept) this.push(entry.item, entry.dueAt);
  }

  private pop(): Entry<T> {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.dueAt <= entry.dueAt) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  private down(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    const length = heap.length;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right]!.dueAt < heap[left]!.dueAt ? right : left;
      if (heap[child]!.dueAt >= entry.dueAt) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = entry;
  }
}
