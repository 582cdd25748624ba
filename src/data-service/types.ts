/** The data service's public types: its tables, options, queries and the service itself. */
import type { Column, InferInsertModel, InferSelectModel, Table } from "drizzle-orm";
import type { Context } from "hono";
import type { ContextSource } from "../kernel/context";
import type { CovaraEnv, CovaraUser, Membership } from "../kernel/http";
import type { KV } from "../kernel/kv";

/** A table the service serves, named like the resource (or tracked table) of the same rows. */
export interface DataTable {
  table: Table;
  id: Column;
}

export type DataTables = Record<string, DataTable>;
export type RowOf<T extends DataTable> = InferSelectModel<T["table"]>;
export type NewRowOf<T extends DataTable> = InferInsertModel<T["table"]>;
export type RowId = string | number;

export interface DataCacheOptions {
  /** Shares invalidations with every instance on the same KV (Redis pub/sub). Without it the cache is per process. */
  kv?: KV;
  /**
   * With `kv`: `"strict"` (default) checks each hit against the key's shared version (one KV read),
   * so no instance serves a value older than a write that has resolved anywhere; `"eventual"` relies
   * on the pub/sub invalidation alone (in-memory hits, but a read racing the message may be stale).
   */
  consistency?: "strict" | "eventual";
  /** The pub/sub channel (default `covara:data-service`); instances of one app must agree. */
  channel?: string;
  /** Shortest TTL a key that changes often gets, in ms (default 1,000). */
  minTtlMs?: number;
  /** TTL of a key never seen changing, and the longest any gets, in ms (default 300,000). */
  maxTtlMs?: number;
  /** Most cached results (default 10,000); the oldest goes first. */
  maxEntries?: number;
}

/**
 * Who writes, for the tables mounted as resources (their auth scopes, hooks and `ctx.principal`
 * see this identity): the request being served (`c`), or, outside a request (a job, a script),
 * a user and their tenant memberships. Without one the writes are anonymous: only what the
 * resources' `auth.public` rules open is allowed.
 */
export type DataActor = Context<CovaraEnv> | { user: CovaraUser | null; memberships?: readonly Membership[] };

/**
 * How the service's writes reach a table: `"auto"` through the resource mounted under the table's
 * name on the same database object when there is one, else directly; `"resource"` always through
 * a mounted resource (a write to a table without one fails); `"table"` always directly (no hooks,
 * validation or scopes, as a tracked db writes).
 */
export type WriteRoute = "auto" | "resource" | "table";

export interface DataServiceOptions {
  /** The read cache; `false` turns it off (every read queries the database). */
  cache: DataCacheOptions | false;
  /** The app whose mutation feed the service publishes on and listens to (default: the default context's). */
  app?: ContextSource;
  /** How writes reach the tables (default `"auto"`, see `WriteRoute`). */
  writes?: WriteRoute;
}

export interface ListOptions<T extends DataTable> {
  /** Equality conditions, ANDed. */
  where?: Partial<RowOf<T>>;
  orderBy?: keyof RowOf<T> & string;
  desc?: boolean;
  /** 1-based page (default 1). */
  page?: number;
  /** Rows per page (default 20, at most 1,000). */
  limit?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before any read. */
  hitRate: number;
  entries: number;
}

export type Operation<TTables extends DataTables> = {
  [K in keyof TTables & string]:
    | { op: "create"; table: K; values: NewRowOf<TTables[K]> }
    | { op: "update"; table: K; id: RowId; changes: Partial<NewRowOf<TTables[K]>> }
    | { op: "delete"; table: K; id: RowId };
}[keyof TTables & string];

export interface UnitOfWork<TTables extends DataTables> {
  create<K extends keyof TTables & string>(table: K, values: NewRowOf<TTables[K]>): this;
  update<K extends keyof TTables & string>(table: K, id: RowId, changes: Partial<NewRowOf<TTables[K]>>): this;
  delete<K extends keyof TTables & string>(table: K, id: RowId): this;
  /** Queued operations not yet saved. */
  readonly size: number;
  /**
   * Runs every queued write in one transaction, publishes the mutations once after commit and
   * empties the queue. On the first failure everything is rolled back and it rejects with a
   * problem naming the operation (`index`, `op`, `table`); the queue is kept.
   */
  saveChanges(): Promise<{ written: number }>;
}

export interface DataService<TTables extends DataTables> {
  /**
   * The row with this id, or null. Without `actor`, straight from the table (trusted server code:
   * soft-deleted rows and every column included). With `actor`, for a table whose writes go
   * through a mounted resource (see `WriteRoute`), as its `GET /:id` answers that user: a 401/403
   * problem when they may not read, null outside their read scope or when soft-deleted, fields
   * that are not readable left out, computed fields added.
   */
  get<K extends keyof TTables & string>(
    table: K,
    id: RowId,
    actor?: DataActor,
  ): Promise<Readonly<RowOf<TTables[K]>> | null>;
  /**
   * A page of rows. `actor` as for `get`; with one, `where` and `orderBy` may name readable fields
   * only (a 400 otherwise).
   */
  list<K extends keyof TTables & string>(
    table: K,
    options?: ListOptions<TTables[K]>,
    actor?: DataActor,
  ): Promise<readonly Readonly<RowOf<TTables[K]>>[]>;
  /** A one-operation unit of work; `actor` as for `batch`. */
  create<K extends keyof TTables & string>(
    table: K,
    values: NewRowOf<TTables[K]>,
    actor?: DataActor,
  ): Promise<RowOf<TTables[K]>>;
  update<K extends keyof TTables & string>(
    table: K,
    id: RowId,
    changes: Partial<NewRowOf<TTables[K]>>,
    actor?: DataActor,
  ): Promise<RowOf<TTables[K]>>;
  delete<K extends keyof TTables & string>(table: K, id: RowId, actor?: DataActor): Promise<void>;
  /** A unit of work whose writes to tables mounted as resources are made as `actor` (see `DataActor`). */
  batch(actor?: DataActor): UnitOfWork<TTables>;
  stats(): CacheStats;
  /** Stops listening to the feed and the KV channel. */
  close(): Promise<void>;
}
