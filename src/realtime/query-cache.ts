/**
 * The optional query cache of a tracked db: results of `select` queries kept for a TTL, keyed by
 * the SQL text and its parameters, and dropped entirely on every tracked write, every write of a
 * tracked resource seen on the mutation feed (generated endpoints, recordExternalMutation) and,
 * with a realtime hub, every such write in another process. Whole-cache invalidation is coarse on
 * purpose: a query's tables cannot always be known (subqueries), and a stale answer is worse
 * than a miss. Callers get copies, so mutating a result never corrupts the cache.
 */
import { awaitThrough, chained, PROMISE_METHODS, READ_EXECUTORS } from "./builder-proxy";

type MaybePromise<T> = T | Promise<T>;

interface Entry {
  value: unknown;
  /** The original executor answered asynchronously, so a hit does too. */
  async: boolean;
  expiresAt: number;
}

export class QueryCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Drops every entry; queries in flight will not store their (possibly stale) results. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Answers from the cache, or runs `load` and stores its result (unless invalidated meanwhile). */
  through(key: string, load: () => unknown): MaybePromise<unknown> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) {
      this.hits++;
      const copy = structuredClone(entry.value);
      return entry.async ? Promise.resolve(copy) : copy;
    }
    if (entry) this.entries.delete(key);
    this.misses++;
    const generation = this.generation;
    const result = load();
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        this.store(key, value, true, generation);
        return value;
      });
    }
    this.store(key, result, false, generation);
    return result;
  }

  private store(key: string, value: unknown, async: boolean, generation: number): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value: structuredClone(value), async, expiresAt: Date.now() + this.ttlMs });
  }
}

const EXECUTORS = READ_EXECUTORS;

function keyOf(method: string, builder: { toSQL(): unknown }): string {
  return `${method}|${JSON.stringify(builder.toSQL(), (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value))}`;
}

function isSelectChain(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { then?: unknown; toSQL?: unknown; from?: unknown };
  return (
    (typeof candidate.then === "function" && typeof candidate.toSQL === "function") ||
    typeof candidate.from === "function"
  );
}

/** Wraps a select builder so that executing it goes through the cache. */
export function cacheSelect<T extends object>(builder: T, cache: QueryCache): T {
  const proxy: T = new Proxy(builder, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      const self = target as { toSQL?: () => unknown };
      if (EXECUTORS.has(prop) && typeof self.toSQL === "function") {
        if (PROMISE_METHODS.has(prop))
          return awaitThrough(target, prop, (execute) =>
            cache.through(keyOf("execute", self as { toSQL(): unknown }), execute),
          );
        return (...args: unknown[]) => {
          // Placeholder values change the answer without changing the SQL: not cached.
          if (args.length > 0 && args[0] !== undefined) return fn.apply(target, args);
          return cache.through(keyOf(prop, self as { toSQL(): unknown }), () => fn.apply(target, args));
        };
      }
      return chained(fn, target, proxy, isSelectChain, (chain) => cacheSelect(chain, cache));
    },
  });
  return proxy;
}
