/**
 * `covara/data-service`: a data service over Drizzle tables with a read cache that adapts its TTL
 * to how often each key changes, is invalidated by every write covara sees (shared across
 * instances over the KV's pub/sub), and a unit of work that saves queued writes in one transaction.
 */
import type { AnyDatabase } from "../kernel/dialect";
import { listenForChanges, versionKey } from "./invalidation";
import { pageKey, selectById, selectPage } from "./queries";
import { getKey, listKey, ReadCache, viewKey } from "./read-cache";
import { actingRequest, routedResource } from "./route";
import { scopedReads, type ScopedReads } from "./scoped-reads";
import type { CacheStats, DataActor, DataService, DataServiceOptions, DataTables, Operation, RowOf } from "./types";
import { createUnitOfWork, runOperations } from "./unit-of-work";

export type {
  CacheStats,
  DataActor,
  DataCacheOptions,
  DataService,
  DataServiceOptions,
  DataTable,
  DataTables,
  ListOptions,
  NewRowOf,
  Operation,
  RowId,
  RowOf,
  UnitOfWork,
  WriteRoute,
} from "./types";
export { DATA_SERVICE_PROBLEM_TYPES } from "./problems";

const NO_STATS: CacheStats = { hits: 0, misses: 0, hitRate: 0, entries: 0 };

/**
 * Serves `tables` (keyed by the resource name their writes are published under) from `db`.
 * Resolves once it listens to the mutation feed and, with `cache.kv`, the KV channel.
 */
export async function createDataService<TTables extends DataTables>(
  db: AnyDatabase,
  tables: TTables,
  options: DataServiceOptions,
): Promise<DataService<TTables>> {
  const served = new Set(Object.keys(tables));
  const settings = options.cache === false ? undefined : options.cache;
  const cache = settings
    ? new ReadCache(settings.minTtlMs ?? 1000, settings.maxTtlMs ?? 300_000, settings.maxEntries ?? 10_000)
    : undefined;
  const stop = cache
    ? await listenForChanges(cache, served, {
        kv: settings?.kv,
        channel: settings?.channel ?? "covara:data-service",
        app: options.app,
      })
    : async () => {};

  const target = { db, tables, app: options.app, writes: options.writes ?? "auto" };
  const save = (operations: readonly Operation<TTables>[], actor: DataActor | undefined) =>
    runOperations(target, operations, actor);
  const tableOf = (name: string) => {
    const table = tables[name];
    if (!table) throw new TypeError(`covara data service: '${name}' is not one of its tables`);
    return table;
  };

  // The KV holding the shared versions a hit is checked against; none in "eventual" mode.
  const versions = settings?.consistency === "eventual" ? undefined : settings?.kv;
  const channel = settings?.channel ?? "covara:data-service";

  /**
   * Reads through the cache: a hit is returned as stored; a miss is read and stored unless the
   * table changed meanwhile. With a shared KV, the key's shared version is read first (one KV
   * round trip): an entry stored under an older version is a miss, so a write another instance
   * finished is never hidden by a pub/sub message still on its way.
   */
  async function cached<T>(table: string, key: string, shared: string, read: () => PromiseLike<T>): Promise<T> {
    if (!cache) return read();
    const version = versions ? ((await versions.get(shared)) ?? "0") : null;
    const hit = cache.read(key, version);
    if (hit !== undefined) return hit as T;
    const epoch = cache.epoch(table);
    const value = await read();
    // A row not found is not cached: a later create of that id invalidates only lists.
    return value === null ? value : cache.store(table, key, value, epoch, version);
  }

  /**
   * A read of `table`: for an actor, through the resource the table is routed to (`viaResource`);
   * without an actor or such a resource, `direct` (a cache hit is then a map lookup, nothing awaited first).
   */
  function readAs<T>(
    table: string,
    actor: DataActor | undefined,
    direct: () => Promise<T>,
    viaResource: (reads: ScopedReads) => Promise<T>,
  ): Promise<T> {
    const handle = actor === undefined ? undefined : routedResource(target, table);
    if (!handle) return direct();
    return scopedReads(handle, tables[table]!, actingRequest(actor)).then(viaResource);
  }

  return {
    get(table, id, actor) {
      const served = tableOf(table);
      return readAs(
        table,
        actor,
        () => cached(table, getKey(table, id), versionKey(channel, table, id), () => selectById(db, served, id)),
        (reads) =>
          cached(table, viewKey(table, reads.view, `g:${typeof id}:${String(id)}`), versionKey(channel, table), () =>
            reads.get(id),
          ),
      ) as Promise<RowOf<TTables[typeof table]> | null>;
    },
    list(table, query = {}, actor) {
      const served = tableOf(table);
      return readAs(
        table,
        actor,
        () =>
          cached(table, listKey(table, pageKey(query)), versionKey(channel, table), () =>
            selectPage(db, served, query),
          ),
        (reads) =>
          cached(table, viewKey(table, reads.view, pageKey(query)), versionKey(channel, table), () =>
            reads.list(query),
          ),
      ) as Promise<RowOf<TTables[typeof table]>[]>;
    },
    async create(table, values, actor) {
      const { first } = await save([{ op: "create", table, values } as Operation<TTables>], actor);
      return first as RowOf<TTables[typeof table]>;
    },
    async update(table, id, changes, actor) {
      const { first } = await save([{ op: "update", table, id, changes } as Operation<TTables>], actor);
      return first as RowOf<TTables[typeof table]>;
    },
    async delete(table, id, actor) {
      await save([{ op: "delete", table, id } as Operation<TTables>], actor);
    },
    batch: (actor) => createUnitOfWork<TTables>(save, served, actor),
    stats: () => cache?.stats() ?? NO_STATS,
    close: stop,
  };
}
