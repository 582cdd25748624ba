/**
 * Loads included relations for a page of rows: one query per relation per level, never one per
 * row. Each relation to a registered resource AND-s that resource's read scope for the request's
 * user; a user who may not read it gets null (to-one) or [] (to-many). Related rows are masked and
 * projected by their own resource, and soft-deleted ones never appear.
 */
import { eq, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { ProblemError } from "../../kernel/errors";
import { resolveAccess } from "../access";
import { orderByTerms } from "../cursor";
import { columnsToFetch } from "../list-query";
import { presentRows } from "../present";
import { allOf } from "../queries";
import { hookContext } from "../runtime";
import { withLive } from "../soft-delete";
import type { CovaraEnv } from "../types";
import type { IncludePlan } from "./plan";
import { OWNER, RANK, selectRelated } from "./related-query";

type Row = Record<string, unknown>;

/** The target's read scope for this request, or null when the user may not read it at all. */
async function readScope(plan: IncludePlan, c: Context<CovaraEnv>): Promise<{ where: SQL | undefined } | null> {
  const { target, scoped } = plan.relation;
  if (!scoped) return { where: undefined };
  try {
    return await resolveAccess("read", c, target.config.auth, target.scopes, target.info);
  } catch (error) {
    if (error instanceof ProblemError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

function emptyValue(plan: IncludePlan): null | [] {
  const type = plan.relation.type;
  return type === "belongsTo" || type === "hasOne" ? null : [];
}

/** Fetches the stored related rows of `parents` for one relation. */
async function fetchRelated(plan: IncludePlan, keys: unknown[], scopeWhere: SQL | undefined): Promise<Row[]> {
  const { relation } = plan;
  const target = relation.target.info;
  const columns = columnsToFetch(target, plan.select);
  columns.add(relation.targetKey);
  for (const key of plan.order) columns.add(key.field);
  for (const child of plan.children) columns.add(child.relation.sourceKey);
  const filter = plan.filter ? relation.target.scopes.sql(plan.filter) : undefined;
  const where = withLive(target, allOf(scopeWhere, filter));
  const targetColumn = target.columns[relation.targetKey]!;
  const through = relation.through;
  return selectRelated({
    target,
    columns: [...columns],
    ownerColumn: through ? through.sourceColumn : targetColumn,
    keys,
    where,
    orderBy: orderByTerms(plan.order, target.dialect),
    perParent: relation.type === "belongsTo" ? undefined : plan.limit,
    join: through ? { table: through.table, on: eq(through.targetColumn, targetColumn) } : undefined,
  });
}

/** Adds every planned relation to `out` (presented rows aligned with `stored`), recursively. */
export async function attachIncludes(c: Context<CovaraEnv>, stored: readonly Row[], out: Row[], plans: readonly IncludePlan[]): Promise<void> {
  if (stored.length === 0) return;
  await Promise.all(plans.map((plan) => attachOne(c, stored, out, plan)));
}

async function attachOne(c: Context<CovaraEnv>, stored: readonly Row[], out: Row[], plan: IncludePlan): Promise<void> {
  const { relation } = plan;
  const scope = await readScope(plan, c);
  const keys = [...new Set(stored.map((row) => row[relation.sourceKey]).filter((key) => key !== null && key !== undefined))];
  if (scope === null || keys.length === 0) {
    for (const row of out) row[relation.name] = emptyValue(plan);
    return;
  }
  const related = await fetchRelated(plan, keys, scope.where);
  // The query's bookkeeping columns are read here and never reach a response.
  const owners = related.map((row) => row[relation.through ? OWNER : relation.targetKey]);
  for (const row of related) {
    delete row[OWNER];
    delete row[RANK];
  }
  const target = relation.target;
  const presented = await presentRows(target, related, hookContext(target, c, "list", c.get("user") ?? null), plan.select);
  await attachIncludes(c, related, presented, plan.children);

  const groups = new Map<string, Row[]>();
  related.forEach((_, i) => {
    const key = String(owners[i]);
    const group = groups.get(key);
    if (group) group.push(presented[i]!);
    else groups.set(key, [presented[i]!]);
  });
  const toOne = relation.type === "belongsTo" || relation.type === "hasOne";
  stored.forEach((row, i) => {
    const group = groups.get(String(row[relation.sourceKey]));
    out[i]![relation.name] = toOne ? (group?.[0] ?? null) : (group ?? []);
  });
}
