/**
 * One-shot queries shared between components: keyed by path and parameters, fetched once while
 * in use, refetched on invalidation (by path), and fillable ahead of time (prefetch). An entry no
 * component listens to is dropped after `gcTimeMs`, so a search box (one key per text typed) or a
 * long session does not grow the cache without bound.
 */

export interface QueryState<T> {
  status: "idle" | "loading" | "success" | "error";
  data: T | undefined;
  error: unknown;
}

interface Entry<T> {
  state: QueryState<T>;
  fetcher: ((signal: AbortSignal) => Promise<T>) | undefined;
  controller: AbortController | undefined;
  listeners: Set<() => void>;
  path: string;
  gcTimer: ReturnType<typeof setTimeout> | undefined;
}

const IDLE: QueryState<never> = { status: "idle", data: undefined, error: undefined };

/** A small cache of query results with subscriptions (fits useSyncExternalStore). */
export class QueryCache {
  private readonly entries = new Map<string, Entry<unknown>>();

  /** @param gcTimeMs how long an entry nobody listens to is kept (prefetched, or after unmount). */
  constructor(private readonly gcTimeMs = 5 * 60_000) {}

  /** How many queries are cached (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private entry<T>(key: string, path: string): Entry<T> {
    let entry = this.entries.get(key) as Entry<T> | undefined;
    if (!entry)
      this.entries.set(
        key,
        (entry = {
          state: IDLE,
          fetcher: undefined,
          controller: undefined,
          listeners: new Set(),
          path,
          gcTimer: undefined,
        }),
      );
    return entry;
  }

  /** Drops `entry` after the gc time unless someone listens again before. */
  private scheduleGc(key: string, entry: Entry<unknown>): void {
    if (entry.listeners.size > 0) return;
    clearTimeout(entry.gcTimer);
    entry.gcTimer = setTimeout(() => {
      if (entry.listeners.size > 0 || this.entries.get(key) !== entry) return;
      entry.controller?.abort();
      this.entries.delete(key);
    }, this.gcTimeMs);
    // A pending drop must not keep a Node process (tests, SSR) alive.
    (entry.gcTimer as { unref?: () => void }).unref?.();
  }

  /** The current state of `key`. */
  get<T>(key: string): QueryState<T> {
    return (this.entries.get(key)?.state as QueryState<T> | undefined) ?? IDLE;
  }

  /** Listens to `key`; returns the remover. */
  subscribe(key: string, path: string, listener: () => void): () => void {
    const entry = this.entry(key, path);
    clearTimeout(entry.gcTimer);
    entry.gcTimer = undefined;
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      this.scheduleGc(key, entry);
    };
  }

  /** Fetches `key` unless it is already loaded (or `force`); resolves when done. */
  async fetch<T>(
    key: string,
    path: string,
    fetcher: (signal: AbortSignal) => Promise<T>,
    force = false,
  ): Promise<void> {
    const entry = this.entry<T>(key, path);
    entry.fetcher = fetcher;
    this.scheduleGc(key, entry);
    if (!force && (entry.state.status === "success" || entry.state.status === "loading")) return;
    entry.controller?.abort();
    const controller = (entry.controller = new AbortController());
    this.set(entry, { ...entry.state, status: "loading" });
    try {
      const data = await fetcher(controller.signal);
      if (!controller.signal.aborted) this.set(entry, { status: "success", data, error: undefined });
    } catch (error) {
      if (!controller.signal.aborted) this.set(entry, { status: "error", data: entry.state.data, error });
    }
  }

  /** Refetches every query of `path` (every query, without one) that someone has fetched. */
  invalidate(path?: string): void {
    for (const [key, entry] of this.entries) {
      if (path !== undefined && entry.path !== path) continue;
      if (entry.fetcher && entry.listeners.size > 0) void this.fetch(key, entry.path, entry.fetcher, true);
      else this.set(entry, IDLE);
    }
  }

  private set<T>(entry: Entry<T>, state: QueryState<T>): void {
    entry.state = state;
    for (const listener of [...entry.listeners]) listener();
  }
}
