/** A fixed-capacity buffer that overwrites its oldest item: the in-memory mirror of each log kind. */
export interface RingBuffer<T> {
  push(item: T): void;
  /** Items newest first. */
  newestFirst(): T[];
  readonly size: number;
}

/** A ring buffer holding at most `capacity` items (at least 1). */
export function createRingBuffer<T>(capacity: number): RingBuffer<T> {
  const limit = Math.max(1, Math.floor(capacity));
  const items: T[] = [];
  let next = 0; // where the next push goes once the buffer is full
  return {
    push(item) {
      if (items.length < limit) {
        items.push(item);
        return;
      }
      items[next] = item;
      next = (next + 1) % limit;
    },
    newestFirst() {
      const ordered = items.length < limit ? items.slice() : [...items.slice(next), ...items.slice(0, next)];
      return ordered.reverse();
    },
    get size() {
      return items.length;
    },
  };
}
