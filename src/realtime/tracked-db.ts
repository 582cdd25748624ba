/**
 * `trackMutations(db, tables, options)`: the same Drizzle db, except that inserts, updates and
 * deletes on the listed tables are published on the mutation feed once they commit — so custom
 * routes, RPC procedures and jobs feed live subscriptions and cache invalidation like the generated
 * endpoints do. Writes inside `db.transaction()` are held and published only after the commit (a
 * rollback publishes nothing). See docs/mutation-tracking.md for what is and is not seen.
 */
import { getTableColumns, type Column, type Table } from "drizzle-orm";
import { TRACKED_DATABASE as TRACKED, untrackedDatabase } from "../kernel/tracked-db-marker";
import type { Mutation } from "../kernel/mutations";
import type { Realtime } from "./hub";
import type { AnyDatabase } from "../kernel/dialect";
import { QueryCache, cacheSelect } from "./query-cache";
import { trackWrite, type TrackedTable, type WriteScope } from "./tracked-write";
import { contextOf, type ContextSource } from "../kernel/context";

/** One tracked table: `{ todos: { table: todosTable, id: todosTable.id } }`; the key is the resource name. */
export interface TrackedTableConfig {
  table: Table;
  id: Column;
}

export interface TrackMutationsOptions {
  /** Cache `select` results; every tracked write (and recordExternalMutation) empties the cache. */
  cache?: {
    enabled?: boolean;
    /** How long a result may be served, in ms (default 60,000). */
    ttl?: number;
    /** Most cached results (default 1000); the oldest goes first. */
    maxEntries?: number;
  };
  /** Also empty the cache on writes other processes record in this hub's changelog. */
  realtime?: Realtime;
  /**
   * The app (or its context) whose mutation feed the writes are published on, so its hubs,
   * caches and search indexes see them.
   * @default the default context (whose listeners hear every app)
   */
  app?: ContextSource;
}

/** The database behind a tracked db (or the db itself when it is not tracked). */
export { untrackedDatabase };

interface TrackingContext {
  base: object;
  sync: boolean;
  tables: Map<Table, TrackedTable>;
  cache: QueryCache | undefined;
  publish(mutations: Mutation[]): Promise<void>;
  cannotTrack(table: TrackedTable, why: string): void;
}

/** The query cache of a tracked db, if it has one (for stats and tests). */
export function queryCacheOf(db: object): QueryCache | undefined {
  return (db as { [TRACKED]?: TrackingContext })[TRACKED]?.cache;
}

function describeTables(tables: Record<string, TrackedTableConfig>): Map<Table, TrackedTable> {
  const described = new Map<Table, TrackedTable>();
  for (const [name, { table, id }] of Object.entries(tables)) {
    const columns = getTableColumns(table) as Record<string, Column>;
    const idKey = Object.keys(columns).find((key) => columns[key] === id);
    if (idKey === undefined)
      throw new TypeError(`trackMutations: the id column of '${name}' does not belong to its table`);
    if (described.has(table)) throw new TypeError(`trackMutations: the table of '${name}' is listed twice`);
    described.set(table, { name, table, idKey, idColumn: id });
  }
  return described;
}

/** Wraps a Drizzle db so that writes to `tables` are published after they commit. */
export function trackMutations<TDb extends AnyDatabase>(
  db: TDb,
  tables: Record<string, TrackedTableConfig>,
  options: TrackMutationsOptions = {},
): TDb {
  const base = untrackedDatabase(db);
  const cacheOptions = options.cache;
  const cache =
    cacheOptions?.enabled === false || cacheOptions === undefined
      ? undefined
      : new QueryCache(cacheOptions.ttl ?? 60_000, cacheOptions.maxEntries ?? 1000);
  const described = describeTables(tables);
  const app = contextOf(options.app);
  const names = new Set([...described.values()].map((table) => table.name));
  const warned = new Set<string>();
  let publishing: Promise<void> = Promise.resolve();

  const context: TrackingContext = {
    base,
    sync: (base as { resultKind?: string }).resultKind === "sync",
    tables: described,
    cache,
    publish(mutations) {
      cache?.invalidate();
      // One after another, so a burst of background (synchronous-driver) writes keeps its order.
      publishing = publishing.then(() => app.mutations.publish(mutations));
      return publishing;
    },
    cannotTrack(table, why) {
      if (warned.has(table.name)) return;
      warned.add(table.name);
      app.logger.warn(
        `covara trackMutations: an insert into '${table.name}' was not published because its ids cannot be known; ${why}`,
      );
    },
  };
  if (cache) {
    app.mutations.on((mutations) => {
      if (mutations.some((m) => names.has(m.resource) && (m.db === undefined || m.db === base))) cache.invalidate();
    });
    options.realtime?.onEntry((entry) => {
      if (names.has(entry.resource)) cache.invalidate();
    });
  }
  return wrapDatabase(base, context, null) as TDb;
}

/** A db or transaction whose tracked writes publish (or, inside a transaction, go to `held`). */
function wrapDatabase(target: object, context: TrackingContext, held: Mutation[] | null): object {
  const scope: WriteScope = {
    db: target,
    sync: context.sync,
    base: context.base,
    record(mutations, wait) {
      if (held) {
        held.push(...mutations);
        return;
      }
      const published = context.publish(mutations);
      return wait ? published : undefined;
    },
    cannotTrack: context.cannotTrack,
  };
  return new Proxy(target, {
    get(db, prop) {
      if (prop === TRACKED) return context;
      const value: unknown = Reflect.get(db, prop, db);
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      switch (prop) {
        case "insert":
        case "update":
        case "delete":
          return (table: Table, ...rest: unknown[]) => {
            const builder = fn.call(db, table, ...rest) as object;
            const tracked = context.tables.get(table);
            if (!tracked) return builder;
            return trackWrite(
              builder,
              {
                kind: prop,
                tracked,
                sourceGiven: false,
                values: null,
                where: undefined,
                returning: null,
                upsert: false,
              },
              scope,
            );
          };
        case "select":
        case "selectDistinct":
        case "selectDistinctOn":
          // Reads inside a transaction may see its own uncommitted writes: never cached.
          return (...args: unknown[]) => {
            const builder = fn.apply(db, args) as object;
            return context.cache && held === null ? cacheSelect(builder, context.cache) : builder;
          };
        case "transaction":
          return (callback: (tx: object) => unknown, ...rest: unknown[]) =>
            runTransaction(fn, db, context, held, callback, rest);
        default:
          return fn.bind(db);
      }
    },
  });
}

/** Runs a transaction whose tracked writes are published only once it committed. */
function runTransaction(
  transaction: (...args: unknown[]) => unknown,
  db: object,
  context: TrackingContext,
  outer: Mutation[] | null,
  callback: (tx: object) => unknown,
  rest: unknown[],
): unknown {
  const held: Mutation[] = [];
  const result = transaction.call(db, (tx: object) => callback(wrapDatabase(tx, context, held)), ...rest);
  const committed = (): Promise<void> | undefined => {
    if (held.length === 0) return undefined;
    // A nested transaction (savepoint) hands its writes to the enclosing one.
    if (outer) {
      outer.push(...held);
      return undefined;
    }
    return context.publish(held);
  };
  if (result instanceof Promise)
    return result.then(async (value: unknown) => {
      await committed();
      return value;
    });
  void committed();
  return result;
}
