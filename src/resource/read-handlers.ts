/**
 * GET handlers: list (filter, select, orderBy, keyset cursor, totalCount), get by id, and count.
 */
import type { SQL, Table } from "drizzle-orm";
import type { Context } from "hono";
import { problems } from "../kernel/errors";
import { resolveAccess } from "./access";
import { etagMatches } from "../kernel/etag";
import { etagOf } from "./etag";
import { encodeCursor, keysetCondition, orderByTerms } from "./cursor";
import {
  columnsToFetch,
  parseBoolean,
  parseClientFilter,
  parseListQuery,
  parseSelect,
  type ListQuery,
} from "./list-query";
import { withLive } from "./soft-delete";
import { allOf, byId, countRows, selectRows, type SelectOptions } from "./queries";
import { presentRow, presentRows } from "./present";
import { parseId, sendJson } from "./rows";
import { hookContext, type ResourceRuntime } from "./runtime";
import { parseInclude } from "./relations/include-parser";
import { attachIncludes } from "./relations/load";
import { planIncludes, sourceKeysOf, type IncludePlan } from "./relations/plan";
import type { AnyResponseRow, ListResponse } from "./types";
import type { CovaraEnv } from "../kernel/http";

type Row = Record<string, unknown>;

const scopeIds = new WeakMap<SQL, number>();
let nextScopeId = 0;

/** Identifies a first-page query: its parameters as sent, and the identity of the scope's SQL. */
function preparedKey(params: Record<string, string>, query: ListQuery, scope: SQL | undefined): string {
  let scopeId = 0;
  if (scope) {
    scopeId = scopeIds.get(scope) ?? ++nextScopeId;
    scopeIds.set(scope, scopeId);
  }
  return JSON.stringify([
    params.filter ?? null,
    params.include ?? null,
    query.select,
    query.order.map((o) => `${o.field}:${o.direction}`),
    query.limit,
    query.withDeleted,
    scopeId,
  ]);
}

/** The request's `include`, validated against the resource's relations before any query. */
function includesOf<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  include: string | undefined,
): IncludePlan[] {
  return planIncludes(runtime, parseInclude(include, runtime.includeLimits));
}

/** GET / — a page of rows the user may read. */
export async function listRows<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("read", c, config.auth, runtime.scopes, info);
  // Parsed once: every later look at the query string reads this record, not the URL again.
  const params = c.req.query();
  const query = parseListQuery(params, info, runtime.limits, runtime.filters);
  const includes = includesOf(runtime, params.include);
  const ctx = hookContext(runtime, c, "list", access.user);
  await config.hooks?.onBeforeList?.(ctx);

  const filterWhere = (): SQL | undefined =>
    withLive(info, query.filter ? runtime.scopes.sql(query.filter) : undefined, query.withDeleted);
  // Built only when there is no prepared statement for this query yet.
  const select = (): SelectOptions => {
    const columns = columnsToFetch(info, query.select);
    for (const key of query.order) columns.add(key.field);
    for (const key of sourceKeysOf(includes)) columns.add(key);
    const where = allOf(
      filterWhere(),
      access.where,
      query.after ? keysetCondition(query.order, query.after) : undefined,
    );
    return { columns: [...columns], where, orderBy: orderByTerms(query.order, info.dialect), limit: query.limit + 1 };
  };

  const [rows, totalCount] = await Promise.all([
    selectRows(
      info,
      select,
      // A first page's SQL and values are fixed by these parameters and the scope, so its prepared
      // statement can be reused; a cursor's values change every page.
      query.after ? undefined : { selects: runtime.selects, key: preparedKey(params, query, access.where) },
    ),
    query.totalCount ? countRows(info, allOf(filterWhere(), access.where)) : undefined,
  ]);
  const hasMore = rows.length > query.limit;
  const page = hasMore ? rows.slice(0, query.limit) : rows;
  const nextCursor = hasMore ? encodeCursor(page[page.length - 1]!, query.order) : null;
  const presented = await presentRows(runtime, page, ctx, query.select);
  await attachIncludes(c, page, presented, includes);
  let items = presented as AnyResponseRow<TTable>[];
  const replaced = await config.hooks?.onAfterList?.(ctx, items);
  if (replaced) items = replaced;

  const body: ListResponse<AnyResponseRow<TTable>> = { items, nextCursor, hasMore };
  if (totalCount !== undefined) body.totalCount = totalCount;
  return sendJson(c, body);
}

/** GET /:id — one row, 404 when it does not exist or lies outside the read scope. */
export async function getRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("read", c, config.auth, runtime.scopes, info);
  const idText = c.req.param("id")!;
  const id = parseId(idText, info);
  const select = parseSelect(c.req.query("select"), info);
  const includes = includesOf(runtime, c.req.query("include"));
  const ctx = hookContext(runtime, c, "get", access.user);
  await config.hooks?.onBeforeGet?.(ctx, id as string | number);

  const fetched = columnsToFetch(info, null);
  if (info.versionKey !== null) fetched.add(info.versionKey);
  for (const key of sourceKeysOf(includes)) fetched.add(key);
  const columns = [...fetched];
  const withDeleted = parseBoolean("withDeleted", c.req.query("withDeleted"));
  const rows = await selectRows(info, {
    columns,
    where: byId(info, id, withLive(info, access.where, withDeleted)),
    limit: 1,
  });
  if (rows.length === 0) throw problems.notFound(info.name, idText);
  const stored = rows[0]!;
  const etag = info.versionKey === null ? undefined : etagOf(stored[info.versionKey]);
  const ifNoneMatch = c.req.header("if-none-match");
  // Included rows change without this row's version changing, so only a bare read may be a 304.
  if (etag !== undefined && ifNoneMatch !== undefined && includes.length === 0 && etagMatches(ifNoneMatch, etag)) {
    return c.body(null, 304, { etag });
  }
  const presented = await presentRow(runtime, stored, ctx, select);
  await attachIncludes(c, [stored], [presented], includes);
  let row = presented as AnyResponseRow<TTable>;
  const replaced = await config.hooks?.onAfterGet?.(ctx, row);
  if (replaced) row = replaced;
  return sendJson(c, row as Row, 200, etag === undefined ? undefined : { etag });
}

/** GET /count — how many rows match the filter within the read scope. */
export async function countMatching<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("read", c, config.auth, runtime.scopes, info);
  const filterText = c.req.query("filter");
  const filter =
    filterText && filterText.trim() !== ""
      ? parseClientFilter(filterText, info, runtime.limits, runtime.filters)
      : null;
  await config.hooks?.onBeforeList?.(hookContext(runtime, c, "count", access.user));
  const withDeleted = parseBoolean("withDeleted", c.req.query("withDeleted"));
  const count = await countRows(
    info,
    withLive(info, allOf(filter ? runtime.scopes.sql(filter) : undefined, access.where), withDeleted),
  );
  return sendJson(c, { count });
}
