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
import type { AnyHookContext, Mutation, ResourceHandle, ResourcePage, RsqlNode } from "./extension";
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
import { createWriter } from "./unit-writes";
import { createOne } from "./write-handlers";

type Row = Record<string, unknown>;

/** The rows a read selects inside the caller's access: filter AND scope, live rows unless withDeleted. */
function readWhere(runtime: AnyRuntime, access: Access, filter: RsqlNode | null, withDeleted = false) {
  return withLive(runtime.info, allOf(filter ? runtime.scopes.sql(filter) : undefined, access.where), withDeleted);
}

/** The app's mutations of this resource: same name, same database or none. */
function committedTo(info: AnyRuntime["info"], listener: (mutations: readonly Mutation[]) => void | Promise<void>) {
  return (mutations: readonly Mutation[]): void | Promise<void> => {
    const mine = mutations.filter((m) => m.resource === info.name && (m.db === undefined || m.db === info.db));
    if (mine.length > 0) return listener(mine);
  };
}

/** Wraps a runtime as the handle its extensions receive. */
export function createHandle(runtime: AnyRuntime, app: CovaraContext): ResourceHandle {
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
    writer: (c) => createWriter(runtime, c),
    parseList: (params, limits) =>
      parseListQuery(params, info, limits ? { ...runtime.limits, ...limits } : runtime.limits, runtime.filters),
    parseFlag: parseBoolean,
    planIncludes: (text) => planIncludes(runtime, parseInclude(text, runtime.includeLimits)),
    relationNames: () => [...relationsOf(runtime).keys()],

    async selectPage(query: ListQuery, access: Access, includes: readonly IncludePlan[] = []): Promise<ResourcePage> {
      const where = readWhere(runtime, access, query.filter, query.withDeleted);
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
      const result: ResourcePage = {
        rows: page,
        hasMore,
        nextCursor: hasMore ? encodeCursor(page[page.length - 1]!, query.order) : null,
      };
      if (totalCount !== undefined) result.totalCount = totalCount;
      return result;
    },

    async matchingIds(query, access, limit) {
      const rows = await selectRows(info, {
        columns: [info.idKey],
        where: readWhere(runtime, access, query.filter, query.withDeleted),
        limit,
      });
      return rows.map((row) => row[info.idKey]);
    },

    readWhere: (access, filter, withDeleted) => readWhere(runtime, access, filter, withDeleted),
    liveWhere: (where) => withLive(info, where),
    fetchColumns: (select) => columnsToFetch(info, select),
    selectRows: (selection) => selectRows(info, selection),

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
    hookContext: (c: Context<CovaraEnv>, operation: AnyHookContext["operation"], user: CovaraUser | null) =>
      hookContext(runtime, c, operation, user),
    aggregate: (c) => aggregateGroups(runtime, c),
    joinWrites: (companion) => joinWrites(runtime.table, companion),
    onCommit: (listener) => app.mutations.on(committedTo(info, listener)),
  };
}
