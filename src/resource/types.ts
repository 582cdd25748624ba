/**
 * The public types of a resource: its configuration, hooks, auth scopes and the user identity.
 */
import type { Column, InferInsertModel, InferSelectModel, Table } from "drizzle-orm";
import type { Context } from "hono";
import type { z } from "zod";
import type { KV } from "../kernel/kv";
import type { ColumnKey } from "../kernel/table-types";
import type { OperatorDefinition } from "../kernel/rsql/operator-types";
import type { ScopeInput } from "../kernel/scope";
import type { AnyDatabase } from "../kernel/dialect";
import type { IncludeLimits, RelationConfig } from "./relations/types";
import type { SearchConfig } from "./search/types";
import type { SubscriptionOptions } from "../realtime";
import type { CovaraEnv, CovaraUser } from "../kernel/http";

export type ResourceOperation = "read" | "create" | "update" | "delete";

export type ScopeResolver = (
  user: CovaraUser,
  c: Context<CovaraEnv>,
) => ScopeInput | Promise<ScopeInput>;

/** Per-operation row-level security. Anonymous requests get 401 unless `public` opens the operation. */
export interface ResourceAuthConfig {
  /** Operations anonymous users may perform, with an optional scope (true = every row). */
  public?: Partial<Record<ResourceOperation, ScopeInput | (() => ScopeInput | Promise<ScopeInput>)>>;
  read?: ScopeResolver;
  create?: ScopeResolver;
  update?: ScopeResolver;
  delete?: ScopeResolver;
}

export type SelectRow<TTable extends Table> = InferSelectModel<TTable>;
export type InsertRow<TTable extends Table> = InferInsertModel<TTable>;

/** What every hook receives. */
export interface HookContext<TTable extends Table> {
  c: Context<CovaraEnv>;
  user: CovaraUser | null;
  resource: string;
  table: TTable;
  db: AnyDatabase;
  operation: "list" | "get" | "count" | "aggregate" | "search" | "create" | "update" | "replace" | "delete" | "rpc";
}

type MaybePromise<T> = T | Promise<T>;

/** Lifecycle hooks. A before-hook may return replacement data; throwing a ProblemError aborts. */
export interface ResourceHooks<TTable extends Table> {
  onBeforeList?: (ctx: HookContext<TTable>) => MaybePromise<void>;
  onAfterList?: (ctx: HookContext<TTable>, rows: Partial<SelectRow<TTable>>[]) => MaybePromise<Partial<SelectRow<TTable>>[] | void>;
  onBeforeGet?: (ctx: HookContext<TTable>, id: string | number) => MaybePromise<void>;
  onAfterGet?: (ctx: HookContext<TTable>, row: Partial<SelectRow<TTable>>) => MaybePromise<Partial<SelectRow<TTable>> | void>;
  onBeforeCreate?: (ctx: HookContext<TTable>, data: Partial<InsertRow<TTable>>) => MaybePromise<Partial<InsertRow<TTable>> | void>;
  onAfterCreate?: (ctx: HookContext<TTable>, row: SelectRow<TTable>) => MaybePromise<SelectRow<TTable> | void>;
  onBeforeUpdate?: (
    ctx: HookContext<TTable>,
    id: string | number,
    data: Partial<InsertRow<TTable>>,
    existing: SelectRow<TTable>,
  ) => MaybePromise<Partial<InsertRow<TTable>> | void>;
  onAfterUpdate?: (ctx: HookContext<TTable>, row: SelectRow<TTable>, previous: SelectRow<TTable>) => MaybePromise<SelectRow<TTable> | void>;
  onBeforeDelete?: (ctx: HookContext<TTable>, id: string | number, existing: SelectRow<TTable>) => MaybePromise<void>;
  onAfterDelete?: (ctx: HookContext<TTable>, row: SelectRow<TTable>) => MaybePromise<void>;
}

/**
 * How one Drizzle table is served: id column, database, access rules, hooks, limits and extensions' keys.
 *
 * @example
 * ```ts
 * app.resource("/todos", todos, {
 *   id: todos.id,
 *   db,
 *   auth: { read: (user) => rsql`ownerId==${user.id}`, create: () => true },
 *   pagination: { defaultLimit: 20, maxLimit: 100 },
 * });
 * ```
 */
export interface ResourceConfig<TTable extends Table> {
  /** The primary-key column. */
  id: Column;
  db: AnyDatabase;
  /** Name used in errors and events; defaults to the table name. */
  name?: string;
  auth?: ResourceAuthConfig;
  fields?: {
    /** Allowlist of columns clients may write; others are stripped before hooks see the body. */
    writable?: ColumnKey<TTable>[];
    /** Allowlist of columns that may appear in any response; others are masked everywhere. */
    readable?: ColumnKey<TTable>[];
  };
  /** Reject unknown body fields with 422 instead of ignoring them. */
  strictInput?: boolean;
  /** RPC procedures, called with `POST /rpc/:name`. */
  procedures?: Record<string, ProcedureDefinition<any, any>>;
  /** Virtual fields added to every response, computed from the stored row. */
  computed?: Record<string, (row: SelectRow<TTable>, ctx: HookContext<TTable>) => unknown>;
  /** Mark rows deleted (timestamp or boolean column) instead of removing them. */
  softDelete?: { field: ColumnKey<TTable> };
  /** Optimistic locking: ETags from an integer version column, incremented on every update. */
  etag?: { versionField: ColumnKey<TTable> };
  /** Values filled in on create when the client did not send them (never stripped by `writable`). */
  generatedFields?: { [K in ColumnKey<TTable>]?: (ctx: HookContext<TTable>) => unknown };
  pagination?: { defaultLimit?: number; maxLimit?: number };
  /** Requests per caller per window, counted in KV (429 beyond). */
  rateLimit?: RateLimitConfig;
  /**
   * Most items per batch request, per operation.
   * @default 100 each
   */
  batch?: { create?: number; update?: number; delete?: number };
  hooks?: ResourceHooks<TTable>;
  filter?: {
    /** Custom operators, usable in `?filter=` and in scopes. */
    operators?: OperatorDefinition[];
    maxLength?: number;
    maxDepth?: number;
  };
  aggregate?: {
    /**
     * Most groups one `GET /aggregate` may produce; more is a 400.
     * @default 1000
     */
    maxGroups?: number;
  };
  /**
   * Largest accepted request body in bytes.
   * @default 1 MiB
   */
  maxBodyBytes?: number;
  /** Related tables, loadable with `?include=` and writable in one nested POST. */
  relations?: Record<string, RelationConfig>;
  /** Also discover relations from the foreign keys between registered resources. */
  autoRelations?: boolean;
  /**
   * Bounds of `?include=`.
   * @default depth 3, 20 relations, 2000 characters
   */
  include?: Partial<IncludeLimits>;
  /** Full-text search: `GET /search?q=` over these text columns, through this index. */
  search?: SearchConfig<TTable>;
  /** Live `GET /subscribe` and `GET /aggregate/subscribe` (on by default; `false` removes them). */
  subscriptions?: SubscriptionOptions | false;
}

/** The JSON shape of a list response. */
export interface ListResponse<TRow> {
  items: TRow[];
  nextCursor: string | null;
  hasMore: boolean;
  totalCount?: number;
}

/** An RPC procedure: Zod-validated input (and optionally output) and the handler that runs it. */
export interface ProcedureDefinition<TInput extends z.ZodType = z.ZodType, TOutput extends z.ZodType = z.ZodType> {
  input: TInput;
  output?: TOutput;
  /** Callable without a user (default false: anonymous callers get 401). */
  public?: boolean;
  handler: (ctx: HookContext<Table>, input: z.output<TInput>) => Promise<z.input<TOutput>> | z.input<TOutput>;
}

/** Per-resource rate limit: a fixed window of `maxRequests` per caller. */
export interface RateLimitConfig {
  windowMs: number;
  maxRequests: number;
  /** Who is counted; default: the user id, else the client address. */
  key?: (c: Context<CovaraEnv>) => string;
  /** Where counters live; default: the app's KV, else a process-local memory KV. */
  kv?: KV;
}
