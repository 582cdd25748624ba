/**
 * GET /aggregate — group by, count, sum, avg, min, max within the read scope, with `having` on the
 * aggregate output. Grouping and aggregation run in SQL; `having`, ordering and the limit apply to
 * the (bounded) set of groups with the same RSQL evaluator every other filter uses.
 */
import { count, sql, type Column, type SQL, type Table } from "drizzle-orm";
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import { compileRsqlPredicate } from "../kernel/rsql";
import { resolveAccess } from "./access";
import { parseAggregateQuery, type AggregateQuery, type Metric } from "./aggregate-query";
import { aggregateRows, allOf } from "./queries";
import { sendJson } from "./rows";
import { withLive } from "./soft-delete";
import { hookContext, type ResourceRuntime } from "./runtime";
import type { CovaraEnv } from "../kernel/http";

type Row = Record<string, unknown>;

function metricSql(metric: Metric): SQL {
  const expression = sql.raw(metric.fn);
  // sum and avg come back as numeric strings on Postgres; min and max keep the column's type.
  return metric.fn === "sum" || metric.fn === "avg"
    ? sql`${expression}(${metric.column})`.mapWith((value: unknown) => (value === null ? null : Number(value)))
    : sql`${expression}(${metric.column})`.mapWith(metric.column);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  const left = a instanceof Date ? a.getTime() : a;
  const right = b instanceof Date ? b.getTime() : b;
  return (left as number | string) < (right as number | string)
    ? -1
    : (left as number | string) > (right as number | string)
      ? 1
      : 0;
}

function sortGroups(groups: Row[], query: AggregateQuery): void {
  const order =
    query.order.length > 0 ? query.order : query.groupBy.map((alias) => ({ alias, direction: "asc" as const }));
  groups.sort((x, y) => {
    for (const { alias, direction } of order) {
      const result = compareValues(x[alias], y[alias]);
      if (result !== 0) return direction === "asc" ? result : -result;
    }
    return 0;
  });
}

/** GET /aggregate */
export async function aggregate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  return sendJson(c, { groups: await aggregateGroups(runtime, c) });
}

/** The groups GET /aggregate answers for the request (access, parsing, SQL, having, ordering); throws its problems. */
export async function aggregateGroups<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Row[]> {
  const { info, config } = runtime;
  const access = await resolveAccess("read", c, config.auth, runtime.scopes, info);
  const maxGroups = runtime.maxGroups;
  const query = parseAggregateQuery(c.req.query(), info, { ...runtime.limits, maxGroups }, runtime.filters);
  await config.hooks?.onBeforeList?.(hookContext(runtime, c, "aggregate", access.user));

  const selection: Record<string, Column | SQL> = {};
  const groupColumns = query.groupBy.map((field) => info.columns[field]!);
  for (const [i, field] of query.groupBy.entries()) selection[field] = groupColumns[i]!;
  selection.count = count();
  for (const metric of query.metrics) selection[metric.alias] = metricSql(metric);

  const where = withLive(
    info,
    allOf(query.filter ? runtime.scopes.sql(query.filter) : undefined, access.where),
    query.withDeleted,
  );
  const rows = await aggregateRows(info, selection, where, groupColumns, maxGroups + 1);
  if (rows.length > maxGroups) {
    throw new ProblemError("invalid-parameter", {
      detail: `The aggregate has more than ${maxGroups} groups; narrow the filter or group by fewer fields`,
      extensions: { parameter: "groupBy", maxGroups },
    });
  }
  const having = query.having;
  // Compiled once, then tested against every group.
  const groups = having ? rows.filter(compileRsqlPredicate(having)) : rows;
  sortGroups(groups, query);
  return groups.slice(0, query.limit);
}
