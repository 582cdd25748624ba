/**
 * Parses `GET /aggregate` parameters: groupBy, the metrics (count always; sum, avg, min, max over
 * fields), filter, having, orderBy over the output, and limit. Metrics are named in the output as
 * `count`, `sum_<field>`, `avg_<field>`, `min_<field>`, `max_<field>`; `having` and `orderBy`
 * refer to those names and to the group fields.
 */
import type { Column } from "drizzle-orm";
import { ProblemError, problems } from "../kernel/errors";
import { getFilterFields, parseRsql, type RsqlNode } from "../kernel/rsql";
import { parseBoolean, parseClientFilter, readableField, type FilterCache, type ListQueryLimits } from "./list-query";
import type { TableInfo } from "./table-info";

export type AggregateFunction = "sum" | "avg" | "min" | "max";
export const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = ["sum", "avg", "min", "max"];

export interface Metric {
  fn: AggregateFunction;
  field: string;
  column: Column;
  alias: string;
}

export interface AggregateQuery {
  groupBy: string[];
  metrics: Metric[];
  filter: RsqlNode | null;
  having: RsqlNode | null;
  order: { alias: string; direction: "asc" | "desc" }[];
  limit: number;
  withDeleted: boolean;
}

const NUMERIC = new Set(["number", "bigint"]);
const ORDERABLE = new Set(["number", "bigint", "string", "date"]);
const MAX_FIELDS = 16;

function names(parameter: string, text: string | undefined): string[] {
  if (text === undefined || text.trim() === "") return [];
  const list = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (list.length > MAX_FIELDS) throw problems.invalidParameter(parameter, `'${parameter}' lists too many fields`);
  return [...new Set(list)];
}

function readable(parameter: string, name: string, info: TableInfo): Column {
  return info.columns[readableField(parameter, name, info)]!;
}

function parseMetrics(params: Record<string, string | undefined>, info: TableInfo): Metric[] {
  const metrics: Metric[] = [];
  for (const fn of AGGREGATE_FUNCTIONS) {
    for (const field of names(fn, params[fn])) {
      const column = readable(fn, field, info);
      const allowed = fn === "sum" || fn === "avg" ? NUMERIC : ORDERABLE;
      if (!allowed.has(column.dataType)) {
        throw problems.invalidParameter(
          fn,
          `Cannot compute ${fn} of '${field}': it is not a ${fn === "sum" || fn === "avg" ? "numeric" : "comparable"} column`,
        );
      }
      metrics.push({ fn, field, column, alias: `${fn}_${field}` });
    }
  }
  return metrics;
}

function parseHaving(text: string | undefined, outputs: ReadonlySet<string>): RsqlNode | null {
  if (text === undefined || text.trim() === "") return null;
  const node = parseRsql(text);
  for (const field of getFilterFields(node)) {
    if (!outputs.has(field)) {
      throw new ProblemError("filter-parse-error", {
        detail: `Unknown field '${field}' in 'having'; use count, a group field, or a metric such as sum_amount`,
        extensions: { parameter: "having", field },
      });
    }
  }
  return node;
}

function parseOrder(text: string | undefined, outputs: ReadonlySet<string>): AggregateQuery["order"] {
  return names("orderBy", text).map((term) => {
    const [alias, dir = "asc"] = term.startsWith("-") ? [term.slice(1), "desc"] : term.split(":");
    if (!outputs.has(alias!) || (dir !== "asc" && dir !== "desc")) {
      throw problems.invalidParameter("orderBy", `Cannot order groups by '${term}'`);
    }
    return { alias: alias!, direction: dir };
  });
}

/** Parses and validates the aggregate parameters of a request. */
export function parseAggregateQuery(
  params: Record<string, string | undefined>,
  info: TableInfo,
  limits: ListQueryLimits & { maxGroups: number },
  cache: FilterCache,
): AggregateQuery {
  const groupBy = names("groupBy", params.groupBy);
  for (const field of groupBy) readable("groupBy", field, info);
  const metrics = parseMetrics(params, info);
  const outputs = new Set(["count", ...groupBy, ...metrics.map((metric) => metric.alias)]);
  const filterText = params.filter;
  let limit = limits.maxGroups;
  if (params.limit !== undefined) {
    if (!/^\d{1,9}$/.test(params.limit) || Number(params.limit) < 1)
      throw problems.invalidParameter("limit", "'limit' must be a positive integer");
    limit = Math.min(Number(params.limit), limits.maxGroups);
  }
  return {
    groupBy,
    metrics,
    filter:
      filterText === undefined || filterText.trim() === "" ? null : parseClientFilter(filterText, info, limits, cache),
    having: parseHaving(params.having, outputs),
    order: parseOrder(params.orderBy, outputs),
    limit,
    withDeleted: parseBoolean("withDeleted", params.withDeleted),
  };
}
