/**
 * The public types of a resource: its configuration, hooks, auth scopes and the user identity.
 */
import type { InferInsertModel, InferSelectModel, Table } from "drizzle-orm";
import type { Context } from "hono";
import type { z } from "zod";
import type { ColumnKey } from "../kernel/table-types";
import type { OperatorDefinition } from "../kernel/rsql/operator-types";
import type { ScopeInput } from "../kernel/scope";
import type { AnyDatabase } from "../kernel/dialect";
import type { IncludeLimits, RelationConfig } from "./relations/types";
import type { CovaraEnv, CovaraUser, Principal } from "../kernel/http";
import type { RateLimitConfig } from "../kernel/rate-limit";

export type ResourceOperation = "read" | "create" | "update" | "delete";

/** Every operation, in the order rules are documented. */
export const RESOURCE_OPERATIONS: readonly ResourceOperation[] = ["read", "create", "update", "delete"];

export type ScopeResolver = (user: CovaraUser, c: Context<CovaraEnv>) => ScopeInput | Promise<ScopeInput>;

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

/** Flattens an intersection into one object type, so editors and errors show plain rows. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * A row as responses carry it: the readable columns (all of them unless `fields.readable` lists
 * some) plus the computed fields.
 */
export type ResponseRow<
  TTable extends Table,
  TComputed extends object = {},
  TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
> = Simplify<Pick<SelectRow<TTable>, TReadable> & TComputed>;

/** A column of this table (and not of any other: Drizzle columns carry their table's name). */
export type TableColumn<TTable extends Table> = TTable["_"]["columns"][ColumnKey<TTable>];

/** What every hook receives; `db` is the database the resource was given, with its own type. */
export interface HookContext<TTable extends Table, TDb extends AnyDatabase = AnyDatabase> {
  c: Context<CovaraEnv>;
  user: CovaraUser | null;
  /** The request's principal: the user with their tenant memberships, roles and clearance. */
  readonly principal: Principal;
  resource: string;
  table: TTable;
  db: TDb;
  operation: "list" | "get" | "count" | "aggregate" | "search" | "create" | "update" | "replace" | "delete" | "rpc";
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Lifecycle hooks. A before-hook may return replacement data; throwing a ProblemError aborts.
 * `onAfterList`/`onAfterGet` see response rows (masked, with computed fields, projected by
 * `?select=` and therefore partial). Hooks are declared as methods so a config typed for one
 * database still fits the runtime's database-agnostic view of it.
 */
export interface ResourceHooks<
  TTable extends Table,
  TDb extends AnyDatabase = AnyDatabase,
  TRow extends object = ResponseRow<TTable, Record<string, unknown>>,
> {
  onBeforeList?(ctx: HookContext<TTable, TDb>): MaybePromise<void>;
  onAfterList?(ctx: HookContext<TTable, TDb>, rows: Partial<TRow>[]): MaybePromise<Partial<TRow>[] | void>;
  onBeforeGet?(ctx: HookContext<TTable, TDb>, id: string | number): MaybePromise<void>;
  onAfterGet?(ctx: HookContext<TTable, TDb>, row: Partial<TRow>): MaybePromise<Partial<TRow> | void>;
  onBeforeCreate?(
    ctx: HookContext<TTable, TDb>,
    data: Partial<InsertRow<TTable>>,
  ): MaybePromise<Partial<InsertRow<TTable>> | void>;
  onAfterCreate?(ctx: HookContext<TTable, TDb>, row: SelectRow<TTable>): MaybePromise<SelectRow<TTable> | void>;
  onBeforeUpdate?(
    ctx: HookContext<TTable, TDb>,
    id: string | number,
    data: Partial<InsertRow<TTable>>,
    existing: SelectRow<TTable>,
  ): MaybePromise<Partial<InsertRow<TTable>> | void>;
  onAfterUpdate?(
    ctx: HookContext<TTable, TDb>,
    row: SelectRow<TTable>,
    previous: SelectRow<TTable>,
  ): MaybePromise<SelectRow<TTable> | void>;
  onBeforeDelete?(ctx: HookContext<TTable, TDb>, id: string | number, existing: SelectRow<TTable>): MaybePromise<void>;
  onAfterDelete?(ctx: HookContext<TTable, TDb>, row: SelectRow<TTable>): MaybePromise<void>;
}

/** One computed field: derived from the stored row (declared as a method for the same reason as hooks). */
export type ComputedField<TTable extends Table, TDb extends AnyDatabase, TValue> = {
  compute(row: SelectRow<TTable>, ctx: HookContext<TTable, TDb>): TValue | Promise<TValue>;
}["compute"];

/** One generated field's value, made on create (a method type, like the hooks). */
export type GeneratedField<TTable extends Table, TDb extends AnyDatabase> = {
  generate(ctx: HookContext<TTable, TDb>): unknown;
}["generate"];

/** Procedures by name: their handlers see this table and this database. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProcedureMap<TTable extends Table = Table, TDb extends AnyDatabase = AnyDatabase> = Record<
  string,
  ProcedureDefinition<any, any, TTable, TDb>
>;

/**
 * Declares one procedure bound to its resource: the argument of a `procedures` callback. It types
 * the handler's `ctx` from the table and database and its input and result from the Zod schemas.
 */
export type ProcedureFactory<TTable extends Table, TDb extends AnyDatabase> = <
  TInput extends z.ZodType,
  TOutput extends z.ZodType = z.ZodType,
>(
  definition: ProcedureDefinition<TInput, TOutput, TTable, TDb>,
) => ProcedureDefinition<TInput, TOutput, TTable, TDb>;

/**
 * Per-resource options of resource extensions. Each extension adds its key here by declaration
 * merging, in its own folder (realtime adds `subscriptions`), so this file never imports one.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extensions add their keys by declaration merging, which only an interface allows.
// biome-ignore lint/correctness/noUnusedVariables: TTable is for the merged declarations (typed per table).
export interface ResourceExtensionConfig<TTable extends Table> {}

/**
 * How a table becomes a resource. The type parameters are inferred from the config: `TDb` from
 * `db`, `TComputed` from `computed`, `TReadable` from `fields.readable`, `TProcedures` from
 * `procedures`, `TGenerated` from `generatedFields`; they type the hooks, the procedures and the responses. Written without them,
 * `ResourceConfig<typeof table>` is the runtime's view: any database, any computed fields.
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
export interface ResourceConfig<
  TTable extends Table,
  TDb extends AnyDatabase = AnyDatabase,
  TComputed extends object = Record<string, unknown>,
  TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
  TProcedures extends ProcedureMap<TTable, TDb> = ProcedureMap<TTable, TDb>,
  TGenerated extends ColumnKey<TTable> = ColumnKey<TTable>,
> extends ResourceExtensionConfig<TTable> {
  /** The primary-key column (a column of this table). */
  id: TableColumn<TTable>;
  db: TDb;
  /** Name used in errors and events; defaults to the table name. */
  name?: string;
  auth?: ResourceAuthConfig;
  fields?: {
    /** Allowlist of columns clients may write; others are stripped before hooks see the body. */
    writable?: ColumnKey<TTable>[];
    /** Allowlist of columns that may appear in any response; others are masked everywhere. */
    readable?: TReadable[];
  };
  /** Reject unknown body fields with 422 instead of ignoring them. */
  strictInput?: boolean;
  /**
   * RPC procedures, called with `POST /rpc/:name`: an object of procedures, or a callback that
   * receives `procedure` (bound to this table and database) and returns them.
   */
  procedures?: TProcedures | ((procedure: ProcedureFactory<TTable, TDb>) => TProcedures);
  /** Virtual fields added to every response, computed from the stored row. */
  computed?: { [K in keyof TComputed]: ComputedField<TTable, TDb, TComputed[K]> };
  /** Mark rows deleted (timestamp or boolean column) instead of removing them. */
  softDelete?: { field: ColumnKey<TTable> };
  /** Optimistic locking: ETags from an integer version column, incremented on every update. */
  etag?: { versionField: ColumnKey<TTable> };
  /** Values filled in on create when the client did not send them (never stripped by `writable`). */
  generatedFields?: { [K in TGenerated]?: GeneratedField<TTable, TDb> };
  pagination?: { defaultLimit?: number; maxLimit?: number };
  /** Requests per caller per window, counted in KV (429 beyond). */
  rateLimit?: RateLimitConfig;
  /**
   * Most items per batch request, per operation.
   * @default 100 each
   */
  batch?: { create?: number; update?: number; delete?: number };
  hooks?: ResourceHooks<TTable, TDb, ResponseRow<TTable, TComputed, TReadable>>;
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
}

/** A create body: Drizzle's insert row, where columns that `generatedFields` fills become optional. */
export type CreateBody<TTable extends Table, TGenerated extends ColumnKey<TTable> = never> = [TGenerated] extends [
  never,
]
  ? InsertRow<TTable>
  : InsertRow<TTable> extends infer TRow extends object
    ? Simplify<Omit<TRow, TGenerated> & Partial<Pick<TRow, TGenerated & keyof TRow>>>
    : never;

/** A response row as the runtime sees it: computed fields are known only by name. */
export type AnyResponseRow<TTable extends Table> = Partial<ResponseRow<TTable, Record<string, unknown>>>;

/** The JSON shape of a list response. */
export interface ListResponse<TRow> {
  items: TRow[];
  nextCursor: string | null;
  hasMore: boolean;
  totalCount?: number;
}

/**
 * An RPC procedure: Zod-validated input (and optionally output) and the handler that runs it.
 * `TTable`/`TDb` type the handler's context when the procedure is bound to its resource.
 */
export interface ProcedureDefinition<
  TInput extends z.ZodType = z.ZodType,
  TOutput extends z.ZodType = z.ZodType,
  TTable extends Table = Table,
  TDb extends AnyDatabase = AnyDatabase,
> {
  input: TInput;
  output?: TOutput;
  /** Callable without a user (default false: anonymous callers get 401). */
  public?: boolean;
  /** Declared as a method so a procedure bound to one table still fits the runtime's erased view. */
  handler(ctx: HookContext<TTable, TDb>, input: z.output<TInput>): Promise<z.input<TOutput>> | z.input<TOutput>;
}

/** Per-resource rate limit: a fixed window of `maxRequests` per caller. */
export type { RateLimitConfig };
