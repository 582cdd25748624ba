/**
 * A small bounded memo (insertion-ordered Map, oldest entry evicted first) for results that are
 * pure functions of their key, such as a token's SHA-256 or a token's verified signature. Web
 * Crypto calls go through a thread pool on Node and cost far more than a Map lookup.
 */
export interface BoundedMemo<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
}

/** Creates a memo holding at most `max` entries. */
export function createBoundedMemo<K, V>(max: number): BoundedMemo<K, V> {
  const entries = new Map<K, V>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      if (entries.size >= max && !entries.has(key)) entries.delete(entries.keys().next().value as K);
      entries.set(key, value);
    },
  };
}
