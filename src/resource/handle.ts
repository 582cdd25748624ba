/**
 * The `ResourceHandle` of a mounted resource (see extension.ts): the resource's own access rules,
 * parsing, SQL and presentation, wrapped for extensions so they reuse them instead of copying.
 */
import { eq, type Table } from "drizzle-orm";
import type { Context } from "hono";
import type { CovaraContext } from "../kernel/context";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import { resolveAccess, type Access } from "./access";
import { aggregateGroups } from "./aggregate-handler";
import { joinWrites } from "./companion-writes";
import { encodeCursor, keysetCondition, orderByTerms } from "./cursor";
import type { AnyHookContext, ResourceHandle, ResourcePage } from "./extension";
import { columnsToFetch, parseBoolean, parseListQuery, type ListQuery } from "./list-query";
import { presentRows } from "./present";
import { allOf, byId, countRows, findRow, selectRows } from "./queries";
import { parseInclude } from "./relations/include-parser";
import { attachIncludes } from "./relations/load";
import { planIncludes, sourceKeysOf, type IncludePlan } from "./relations/plan";
import { relationsOf } from "./relations/resolve";
import { parseId } from "./rows";
import { hookContext } from "./runtime";
import type { AnyRuntime } from "./runtime-types";
import { isLiveRow, withLive } from "./soft-delete";
import { createOne } from "./write-handlers";

type Row = Record<string, unknown>;

/** The rows a query selects inside the caller's access: filter AND scope, live rows unless withDeleted. */
function matchingWhere(runtime: AnyRuntime, access: Access, query: ListQuery) {
  return withLive(runtime.info, allOf(query.filter ? runtime.scopes.sql(query.filter) : undefined, access.where), query.withDeleted);
}

const runtimes = new WeakMap<ResourceHandle, AnyRuntime>();

/**
 * The runtime behind a handle, for the extensions that live inside `resource/` (search keeps its
 * index on `runtime.search` and reads the list's parsing and SQL helpers directly; its writes go
 * through the handle's `joinWrites` and `afterCommit` like any extension's). Extensions elsewhere
 * use the handle only.
 */
export function runtimeOf(handle: ResourceHandle): AnyRuntime {
  const runtime = runtimes.get(handle);
  if (!runtime) throw new TypeError("covara: not a handle of a mounted resource");
  return runtime;
}

/** Wraps a runtime as the handle its extensions receive. */
export function createHandle(runtime: AnyRuntime, app: CovaraContext): ResourceHandle {
  const handle = buildHandle(runtime, app);
  runtimes.set(handle, runtime);
  return handle;
}

function buildHandle(runtime: AnyRuntime, app: CovaraContext): ResourceHandle {
  const { info, config } = runtime;
  return {
    name: info.name,
    table: runtime.table as Table,
    db: info.db,
    info,
    config,
    app,
    readAccess: (c) => resolveAccess("read", c, config.auth, runtime.scopes, info),
    createAccess: (c) => resolveAccess("create", c, config.auth, runtime.scopes, info),
    create: (c, access, body, server) => createOne(runtime, c, access, body, server),
    parseList: (params, limits) => parseListQuery(params, info, limits ? { ...runtime.limits, ...limits } : runtime.limits, runtime.filters),
    parseFlag: parseBoolean,
    planIncludes: (text) => planIncludes(runtime, parseInclude(text, runtime.includeLimits)),
    relationNames: () => [...relationsOf(runtime).keys()],

    async selectPage(query: ListQuery, access: Access, includes: readonly IncludePlan[] = []): Promise<ResourcePage> {
      const where = matchingWhere(runtime, access, query);
      const columns = columnsToFetch(info, query.select);
      for (const key of query.order) columns.add(key.field);
      columns.add(info.idKey);
      for (const key of sourceKeysOf(includes)) columns.add(key);
      const [rows, totalCount] = await Promise.all([
        selectRows(info, {
          columns: [...columns],
          where: allOf(where, query.after ? keysetCondition(query.order, query.after) : undefined),
          orderBy: orderByTerms(query.order, info.dialect),
          limit: query.limit + 1,
        }),
        query.totalCount ? countRows(info, where) : undefined,
      ]);
      const hasMore = rows.length > query.limit;
      const page = hasMore ? rows.slice(0, query.limit) : rows;
      const result: ResourcePage = { rows: page, hasMore, nextCursor: hasMore ? encodeCursor(page[page.length - 1]!, query.order) : null };
      if (totalCount !== undefined) result.totalCount = totalCount;
      return result;
    },

    async matchingIds(query, access, limit) {
      const rows = await selectRows(info, { columns: [info.idKey], where: matchingWhere(runtime, access, query), limit });
      return rows.map((row) => row[info.idKey]);
    },

    present: (rows, ctx, select = null) => presentRows(runtime, rows, ctx, select),
    attachIncludes: (c, stored, presented, includes) => attachIncludes(c, stored, presented, includes),
    async beforeList(ctx) {
      await config.hooks?.onBeforeList?.(ctx);
    },
    async afterList(ctx, rows) {
      const replaced = await config.hooks?.onAfterList?.(ctx, rows);
      return replaced ? (replaced as Row[]) : rows;
    },
    findById: (id) => findRow(info, byId(info, id)),
    findLiveBy(field, value, access) {
      const column = info.columns[field];
      if (!column) throw new TypeError(`covara: ${info.name} has no column '${field}'`);
      return findRow(info, withLive(info, allOf(eq(column, value), access.where), false)!);
    },
    parseId: (text) => parseId(text, info),
    isLive: (row) => isLiveRow(info, row),
    hookContext: (c: Context<CovaraEnv>, operation: AnyHookContext["operation"], user: CovaraUser | null) => hookContext(runtime, c, operation, user),
    aggregate: (c) => aggregateGroups(runtime, c),
    joinWrites: (companion) => joinWrites(runtime.table, companion),
  };
}
