/**
 * The type of the app `.resource()` builds: Hono's route schema for `hono/client` and the
 * `"~covara"` record for covara's own client, both derived from the table and its config.
 */
import type { Table } from "drizzle-orm";
import type { z } from "zod";
import type { ColumnKey, CreateBody, InsertRow, ListResponse, ProcedureMap, ResponseRow } from "../resource";

/** `basePath` joined to a resource path, exactly as createCovara joins them at run time. */
export type JoinPath<TBase extends string, TPath extends string> = string extends TBase | TPath
  ? string
  : TrimTrailingSlashes<`${TrimTrailingSlashes<TBase>}${LeadingSlash<TPath>}`> extends infer J extends string
    ? J extends ""
      ? "/"
      : J
    : never;
type TrimTrailingSlashes<S extends string> = S extends `${infer Head}/` ? TrimTrailingSlashes<Head> : S;
type LeadingSlash<S extends string> = S extends `/${string}` ? S : `/${S}`;

/** The path `.resource(table, config)` mounts a table at: its SQL name. */
export type TablePath<TTable extends Table> = `/${TTable["_"]["name"]}`;

/**
 * A procedure's input (what the client sends) and result (what its `output` schema yields;
 * `unknown` without one, since the handler's own return type is not kept).
 */
export type ProcedureTypes<TProcedures extends ProcedureMap> = {
  [K in keyof TProcedures]: {
    input: z.input<TProcedures[K]["input"]>;
    output: OutputOf<NonNullable<TProcedures[K]["output"]>>;
  };
};

type OutputOf<TSchema> = 0 extends 1 & TSchema ? unknown : TSchema extends z.ZodType ? z.output<TSchema> : unknown;

/** The client-facing types of one resource. */
export interface ResourceTypes<
  TTable extends Table,
  TComputed extends object,
  TReadable extends ColumnKey<TTable>,
  TProcedures extends ProcedureMap,
  TGenerated extends ColumnKey<TTable> = never,
> {
  row: ResponseRow<TTable, TComputed, TReadable>;
  create: CreateBody<TTable, TGenerated>;
  update: Partial<InsertRow<TTable>>;
  procedures: ProcedureTypes<TProcedures>;
}

type Json<TInput, TOutput, TStatus extends number = 200> = {
  input: TInput;
  output: TOutput;
  outputFormat: "json";
  status: TStatus;
};
type ListQuery = { query?: Record<string, string | string[] | undefined> };
type IdParam = { param: { id: string }; query?: Record<string, string | string[] | undefined> };

/** Hono's route schema for one resource's main endpoints, so `hc<typeof app>` types them. */
export type ResourceSchema<
  TPath extends string,
  TInfo extends ResourceTypes<Table, object, never, ProcedureMap, never>,
> = {
  [P in TPath]: {
    $get: Json<ListQuery, ListResponse<TInfo["row"]>>;
    $post: Json<{ json: TInfo["create"] }, TInfo["row"], 201>;
  };
} & {
  [P in `${TPath}/count`]: { $get: Json<ListQuery, { count: number }> };
} & {
  [P in `${TPath}/:id`]: {
    $get: Json<IdParam, TInfo["row"]>;
    $patch: Json<IdParam & { json: TInfo["update"] }, TInfo["row"]>;
    $put: Json<IdParam & { json: TInfo["create"] }, TInfo["row"]>;
    $delete: { input: IdParam; output: null; outputFormat: "body"; status: 204 };
  };
} & {
  [K in keyof TInfo["procedures"] & string as `${TPath}/rpc/${K}`]: {
    $post: Json<{ json: TInfo["procedures"][K]["input"] }, TInfo["procedures"][K]["output"]>;
  };
};
