/**
 * Loads included relations for a page of rows: one query per relation per level, never one per
 * row. Each relation to a registered resource AND-s that resource's read scope for the request's
 * user; a user who may not read it gets null (to-one) or [] (to-many). Related rows are masked and
 * projected by their own resource, and soft-deleted ones never appear.
 */
import { eq, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { accessOrNull } from "../access";
import { orderByTerms } from "../cursor";
import { columnsToFetch } from "../list-query";
import { presentRows } from "../present";
import { allOf } from "../queries";
import { hookContext } from "../runtime";
import { withLive } from "../soft-delete";
import type { CovaraEnv } from "../../kernel/http";
import type { IncludePlan } from "./plan";
import { OWNER, selectRelated, type RelatedShape } from "./related-query";
import { identityOf } from "./related-statements";

type Row = Record<string, unknown>;

/** The target's read scope for this request, or null when the user may not read it at all. */
function readScope(plan: IncludePlan, c: Context<CovaraEnv>): Promise<{ where: SQL | undefined } | null> {
  const { target, scoped } = plan.relation;
  if (!scoped) return Promise.resolve({ where: undefined });
  return accessOrNull("read", c, target.config.auth, target.scopes, target.info);
}

function emptyValue(plan: IncludePlan): null | [] {
  const type = plan.relation.type;
  return type === "belongsTo" || type === "hasOne" ? null : [];
}

/**
 * Identifies the related query's SQL text and bound values apart from the keys: the relation
 * (target, keys, junction), columns, order and per-parent limit, and the identity of the compiled
 * scope (the same SQL object carries the same values). Queries with a per-request filter are
 * not prepared, so the filter is not part of it.
 */
function shapeKeyOf(plan: IncludePlan, columns: readonly string[], scopeWhere: SQL | undefined): string {
  const order = plan.order.map((key) => `${key.field}:${key.direction}`).join(",");
  const perParent = plan.relation.type === "belongsTo" ? "" : String(plan.limit);
  return `${identityOf(plan.relation)}|${columns.join(",")}|${order}|${perParent}|${identityOf(scopeWhere)}`;
}

/** Fetches the stored related rows of `parents` for one relation. */
async function fetchRelated(plan: IncludePlan, keys: unknown[], scopeWhere: SQL | undefined): Promise<Row[]> {
  const { relation } = plan;
  const target = relation.target.info;
  const fetched = columnsToFetch(target, plan.select);
  fetched.add(relation.targetKey);
  for (const key of plan.order) fetched.add(key.field);
  for (const child of plan.children) fetched.add(child.relation.sourceKey);
  const columns = [...fetched];
  const filter = plan.filter ? relation.target.scopes.sql(plan.filter) : undefined;
  const shape = (): RelatedShape => {
    const targetColumn = target.columns[relation.targetKey]!;
    const through = relation.through;
    return {
      columns,
      ownerColumn: through ? through.sourceColumn : targetColumn,
      where: withLive(target, allOf(scopeWhere, filter)),
      orderBy: orderByTerms(plan.order, target.dialect),
      perParent: relation.type === "belongsTo" ? undefined : plan.limit,
      join: through ? { table: through.table, on: eq(through.targetColumn, targetColumn) } : undefined,
    };
  };
  // A per-request filter compiles to a new SQL object every time: a statement prepared for it
  // would never be used again and would push reusable ones out of the cache.
  return selectRelated(target, keys, shape, filter === undefined ? shapeKeyOf(plan, columns, scopeWhere) : undefined);
}

/** Adds every planned relation to `out` (presented rows aligned with `stored`), recursively. */
export async function attachIncludes(
  c: Context<CovaraEnv>,
  stored: readonly Row[],
  out: Row[],
  plans: readonly IncludePlan[],
): Promise<void> {
  if (stored.length === 0) return;
  await Promise.all(plans.map((plan) => attachOne(c, stored, out, plan)));
}

async function attachOne(c: Context<CovaraEnv>, stored: readonly Row[], out: Row[], plan: IncludePlan): Promise<void> {
  const { relation } = plan;
  const scope = await readScope(plan, c);
  const keys = [
    ...new Set(stored.map((row) => row[relation.sourceKey]).filter((key) => key !== null && key !== undefined)),
  ];
  if (scope === null || keys.length === 0) {
    for (const row of out) row[relation.name] = emptyValue(plan);
    return;
  }
  let related = await fetchRelated(plan, keys, scope.where);
  const owners = related.map((row) => row[relation.through ? OWNER : relation.targetKey]);
  // A many-to-many row carries its parent's key; it is read here and never reaches a response.
  // Copying the row without it (rather than `delete`) keeps the row a fast-properties object.
  if (relation.through) related = related.map(({ [OWNER]: _owner, ...row }) => row);
  const target = relation.target;
  const presented = await presentRows(
    target,
    related,
    hookContext(target, c, "list", c.get("user") ?? null),
    plan.select,
  );
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
