/**
 * The resource extension contract: the one resource module other features import (besides the
 * folder's index). An extension adds endpoints and behaviour to every resource it is given to —
 * live subscriptions, full-text search, later file uploads — without the resource router knowing
 * about it. It is shaped like auth's `AuthFeature`: a `name`, app-level options taken by its
 * factory (`subscriptions({ ... })`), per-resource options as a key of the resource config, and
 * `mount(router, resource)` for its routes.
 *
 * Per-resource options are declared by the extension, in its own folder, by declaration merging:
 *
 *     declare module "../resource/extension" {
 *       interface ResourceExtensionConfig<TTable extends Table> { subscriptions?: SubscriptionOptions | false }
 *     }
 *
 * so `resource/types.ts` never imports an extension.
 */
import type { SQL, Table } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { CovaraContext } from "../kernel/context";
import type { AnyDatabase } from "../kernel/dialect";
import type { ProblemType } from "../kernel/errors";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import type { Mutation, MutationFeed } from "../kernel/mutations";
import type { RsqlNode } from "../kernel/rsql";
import type { Access } from "./access";
import type { CompanionWrites } from "./companion-writes";
import type { ListQuery } from "./list-query";
import type { IncludePlan } from "./relations/plan";
import type { TableInfo } from "./table-info";
import type { Query, TransactionBuilders } from "./transaction";
import type { HookContext, ResourceConfig, ResourceExtensionConfig } from "./types";

export type {
  Access,
  CompanionWrites,
  IncludePlan,
  ListQuery,
  Mutation,
  MutationFeed,
  Query,
  ResourceExtensionConfig,
  RsqlNode,
  TableInfo,
  TransactionBuilders,
};

type Row = Record<string, unknown>;

/** A resource whatever its table: extensions handle every mounted resource alike. */
// biome-ignore lint/suspicious/noExplicitAny: the table type is erased on purpose (see the line above).
export type AnyResourceConfig = ResourceConfig<any>;
/** A hook context whatever its table (extensions never call the table-typed hooks with their own rows). */
// biome-ignore lint/suspicious/noExplicitAny: the table type is erased on purpose (see the line above).
export type AnyHookContext = HookContext<any>;

/** An OpenAPI path item: operations by HTTP method. */
export type OpenApiPathItem = Record<string, Record<string, unknown>>;

/** What the resource's OpenAPI builder shares with an extension so its operations match the rest. */
export interface OpenApiShared {
  /** The resource's tag list. */
  tags: string[];
  /** The resource's schema name (`TodoItems`), the suffix of every operationId. */
  name: string;
  /** The error responses every operation has (400, 401, 403, 429). */
  errors: Record<string, unknown>;
  /** A problem+json response with this description. */
  problem(description: string): unknown;
  /** A JSON Schema `$ref` to the resource's row schema. */
  rowRef: Record<string, unknown>;
}

/** One page of rows, read as the list endpoint reads it. */
export interface ResourcePage {
  /** The stored rows of the page (not yet presented). */
  rows: Row[];
  hasMore: boolean;
  /** The cursor of the next page, or null on the last one. */
  nextCursor: string | null;
  /** The number of matching rows, when the query asked for it. */
  totalCount?: number;
}

/** A plain select of stored rows (see `ResourceHandle.selectRows`). */
export interface RowSelection {
  /** The JS keys of the columns to read. */
  columns: readonly string[];
  where?: SQL | undefined;
  orderBy?: SQL[];
  limit?: number;
  /** Rows skipped first (a page number's offset). */
  offset?: number;
}

/** One write of a unit of work, as a caller outside the resource layer asks for it (see `ResourceHandle.writer`). */
export type ResourceWrite =
  | { op: "create"; values: Row }
  | { op: "update"; id: string | number; changes: Row }
  | { op: "delete"; id: string | number };

/**
 * A write the resource has prepared (access resolved, target loaded, input shaped, hooks run,
 * validated), ready to run inside the caller's transaction. The caller runs `run` inside one
 * transaction with the unit's other writes; after the commit it publishes `mutation(row)` on
 * `feed` (all the unit's mutations of one feed at once), then calls `afterCommit(row)`.
 */
export interface PreparedWrite {
  /** The resource's name (the table its mutation names). */
  readonly resource: string;
  /**
   * The write's statements inside the caller's transaction (a `TransactionBody` step: `yield*`
   * it): the write, the scope's check of the stored row, extensions' companion rows. Returns the
   * written row (for a delete, the row as it was); throws to roll the transaction back.
   */
  run(tx: TransactionBuilders): Generator<Query, Row, Row[]>;
  /** The problem to report when the transaction failed inside `run` (a row gone or changed, a refused scope, a constraint). */
  failure(error: unknown): Promise<unknown>;
  /** The feed the resource's mutations go to (its app's). */
  readonly feed: MutationFeed;
  /** The mutation announcing the written row. */
  mutation(row: Row): Mutation;
  /** After the commit and the publish: the resource's `onAfterCreate` / `onAfterUpdate` / `onAfterDelete`. */
  afterCommit(row: Row): Promise<void>;
}

/** Prepares writes for one acting request (see `ResourceHandle.writer`). */
export interface ResourceWriter {
  /**
   * The write's steps before its transaction, as the REST endpoints run them: create, update or
   * delete access of the acting user (401/403), the target inside the read scope (404) and the
   * write scope (403), strictInput and the writable allowlist, generated fields, `onBefore*` hooks,
   * validation (400 `validation-error`). Rejects with the problem the endpoint would answer with.
   */
  prepare(write: ResourceWrite): Promise<PreparedWrite>;
}

/**
 * The deliberate surface of a mounted resource that extensions build on: its access rules, query
 * parsing, SQL and row presentation, so an extension can never disagree with the list endpoint.
 */
export interface ResourceHandle {
  readonly name: string;
  readonly table: Table;
  readonly db: AnyDatabase;
  /** Table facts: columns, readable and computed fields, id and soft-delete keys, operators. */
  readonly info: TableInfo;
  /** The resource's config, extension keys included. */
  readonly config: AnyResourceConfig;
  /** The app the resource is mounted in (the default context when standalone). */
  readonly app: CovaraContext;
  /** Read access of the request's user: 401/403 problems when none. */
  readAccess(c: Context<CovaraEnv>): Promise<Access>;
  /** Create access of the request's user: 401/403 problems when none (check it before accepting a costly body). */
  createAccess(c: Context<CovaraEnv>): Promise<Access>;
  /**
   * Creates one row through the create path of `POST /` (shaping, generated fields, hooks,
   * validation, the scope check, the insert, the realtime publish, onAfterCreate) inside `access`.
   * `server` holds values the extension sets (a file's storage key, size, hash): applied after the
   * writable allowlist, so they are never stripped and the client cannot set them. Returns the
   * stored row, the response row and the 201's headers (`location`, `etag`).
   */
  create(
    c: Context<CovaraEnv>,
    access: Access,
    body: Row,
    server?: Row,
  ): Promise<{ stored: Row; presented: Row; headers: Record<string, string> }>;
  /**
   * The write port: writes of this resource prepared for the acting request `c` (its user and
   * principal are what scopes and hooks see), run later inside a transaction the caller owns, with
   * the mutations published by the caller after the commit (the data service's unit of work).
   * Access is resolved once per operation kind and writer, as a REST batch does once per request.
   */
  writer(c: Context<CovaraEnv>): ResourceWriter;
  /** The list parameters (filter, select, orderBy, limit, cursor, totalCount, withDeleted), validated; `limits` overrides the page size bounds. */
  parseList(params: Record<string, string | undefined>, limits?: { defaultLimit: number; maxLimit: number }): ListQuery;
  /** A boolean query parameter (`true`/`false`/`1`/`0`/empty); anything else is a 400 naming it. */
  parseFlag(parameter: string, text: string | undefined): boolean;
  /** The plan of `?include=` (a 400 for an unknown relation or a bound exceeded). */
  planIncludes(text: string | undefined): readonly IncludePlan[];
  /** The names of the resource's relations. */
  relationNames(): string[];
  /** The query's page inside `access`, with the columns `includes` need. */
  selectPage(query: ListQuery, access: Access, includes?: readonly IncludePlan[]): Promise<ResourcePage>;
  /**
   * The WHERE of a read inside `access`, as the list endpoint builds it: the client's `filter` (as
   * `parseList` returns it) AND the read scope, live rows only unless `withDeleted`. Undefined when
   * every row qualifies.
   */
  readWhere(access: Access, filter: RsqlNode | null, withDeleted?: boolean): SQL | undefined;
  /**
   * Live (not soft-deleted) rows matching `where`, under no access rule: for work that serves no
   * request, like loading a search index from the table. A request's reads use `readWhere`.
   */
  liveWhere(where?: SQL): SQL | undefined;
  /**
   * The stored columns a read must fetch to present rows with this `select` (as `parseList`
   * returns it): the selected readable ones, all readable ones without it, every column when
   * computed fields need the whole row. Masking happens later, in `present`.
   */
  fetchColumns(select: readonly string[] | null): Set<string>;
  /**
   * Stored rows of the table (every column named, masked ones too), as the database returns them;
   * a database failure becomes the resource's problem. Applies no access rule itself: for a
   * request, pass a `where` built on `readWhere`.
   */
  selectRows(selection: RowSelection): Promise<Row[]>;
  /** Ids of the rows matching the query inside `access` (at most `limit`). */
  matchingIds(query: ListQuery, access: Access, limit: number): Promise<unknown[]>;
  /** Response rows: readable-field masking, the `select` projection, computed fields. */
  present(rows: Row[], ctx: AnyHookContext, select?: readonly string[] | null): Promise<Row[]>;
  /** Embeds the planned relations into presented rows, each under its target's read scope for the request's user. */
  attachIncludes(
    c: Context<CovaraEnv>,
    stored: readonly Row[],
    presented: Row[],
    includes: readonly IncludePlan[],
  ): Promise<void>;
  /** Runs `onBeforeList`. */
  beforeList(ctx: AnyHookContext): Promise<void>;
  /** Runs `onAfterList`; returns the rows to send. */
  afterList(ctx: AnyHookContext, rows: Row[]): Promise<Row[]>;
  /** The stored row with this id (soft-deleted ones included), if any. */
  findById(id: unknown): Promise<Row | undefined>;
  /**
   * The stored row (every column, masked ones too) whose column `field` equals `value`, inside
   * `access` and not soft-deleted, if any: how an extension finds the row behind a URL it serves
   * (a file's storage key) under the caller's read scope.
   */
  findLiveBy(field: string, value: unknown, access: Access): Promise<Row | undefined>;
  /** An id from its text form, in the id column's type; a 400 when it cannot be one. */
  parseId(text: string): string | number | bigint;
  /** Whether a stored row is not soft-deleted. */
  isLive(row: Row): boolean;
  /** The context hooks and computed fields receive. */
  hookContext(c: Context<CovaraEnv>, operation: AnyHookContext["operation"], user: CovaraUser | null): AnyHookContext;
  /** The groups GET /aggregate answers for the request (access, parsing, SQL, having, ordering). */
  aggregate(c: Context<CovaraEnv>): Promise<Row[]>;
  /**
   * Makes every later write to the resource's table (in its database, through the resource layer:
   * single, batch and nested writes) insert the companion's rows in the same transaction, so they
   * commit or roll back with the data (search's outbox). Call it from `init`.
   */
  joinWrites(companion: CompanionWrites): void;
  /**
   * Listens for the resource's committed mutations on the app's feed (its name, its database or
   * none), called with each batch's in order, as `ResourceExtension.afterCommit` is; returns the
   * function that stops listening. For an extension that needs the writes of some resources only
   * (search: those with an external index), called from `init`; `afterCommit` is this for every
   * resource the extension is given.
   */
  onCommit(listener: (mutations: readonly Mutation[]) => void | Promise<void>): () => void;
}

/** A feature that adds endpoints and behaviour to resources (compare auth's `AuthFeature`). */
export interface ResourceExtension {
  /** Unique among a resource's extensions ("subscriptions", "search", "files"). */
  readonly name: string;
  /** Problem types its endpoints may answer with. */
  readonly problems?: readonly ProblemType[];
  /**
   * Called once per resource, before any route is mounted. Throw (a TypeError naming the option)
   * to refuse a bad per-resource config when the app starts rather than on the first request.
   */
  init?(resource: ResourceHandle, app: CovaraContext): void;
  /**
   * Adds the extension's routes, relative to the resource path. The router mounts them after the
   * fixed paths (`/count`, `/aggregate`, `/batch`) and before `/:id`, so a path like `/subscribe`
   * is never taken for an id.
   */
  mount(router: Hono<CovaraEnv>, resource: ResourceHandle): void;
  /** The OpenAPI path items of its routes, keyed by full path (`${base}/subscribe`). */
  openapi?(resource: ResourceHandle, base: string, shared: OpenApiShared): Record<string, OpenApiPathItem>;
  /**
   * Called after writes to the resource committed, with the resource's mutations of one batch, in
   * order: writes through its endpoints (single, batch, nested), through a tracked db, and
   * `recordExternalMutation` naming it (those carry no `row`). It listens on the app's mutation
   * feed, so it never sees another app's writes. A throw or rejection is logged by the app's
   * logger and never fails the write; the writer waits for it, so keep it short or hand the work
   * on. Declaring it subscribes the extension for every resource it is given; one that needs the
   * writes of some resources only calls `resource.onCommit` from `init` instead (search does, for
   * resources with an external index).
   */
  afterCommit?(resource: ResourceHandle, mutations: readonly Mutation[]): void | Promise<void>;
}
