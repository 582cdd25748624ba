/**
 * Validates parsed includes against the resource's relations and each target's fields, before any
 * query runs: an unknown relation or a hidden field in an option is a 400 naming `include`.
 */
import { ProblemError, problems } from "../../kernel/errors";
import type { RsqlNode } from "../../kernel/rsql";
import type { OrderKey } from "../cursor";
import { parseClientFilter, parseOrderBy, parseSelect } from "../list-query";
import type { AnyRuntime } from "./registry";
import { relationsOf, type ResolvedRelation } from "./resolve";
import type { IncludeRequest } from "./types";

export interface IncludePlan {
  relation: ResolvedRelation;
  /** Projection of the related rows, or null for every readable field. */
  select: string[] | null;
  order: OrderKey[];
  filter: RsqlNode | null;
  /** Most related rows per parent (to-many relations), always bounded. */
  limit: number;
  children: IncludePlan[];
}

function unknownRelation(runtime: AnyRuntime, name: string, known: string[]): ProblemError {
  return new ProblemError("invalid-parameter", {
    detail:
      known.length === 0
        ? `${runtime.info.name} has no relations; '${name}' cannot be included`
        : `${runtime.info.name} has no relation '${name}' (known: ${known.join(", ")})`,
    extensions: { parameter: "include", relation: name },
  });
}

/** Rewrites a field problem of an option so it names `include` and the relation. */
function inOption<T>(relation: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 400) {
      throw new ProblemError("invalid-parameter", {
        detail: `In 'include' of '${relation}': ${error.detail ?? error.message}`,
        extensions: { parameter: "include", relation },
      });
    }
    throw error;
  }
}

// Plans by parsed tree: parseInclude hands out one tree per text, so a repeated include is planned
// once per resource. Plans are shared between requests and never mutated.
const plannedTrees = new WeakMap<AnyRuntime, WeakMap<readonly IncludeRequest[], IncludePlan[]>>();

/** Plans the includes of one level (and, recursively, their nested includes). */
export function planIncludes(runtime: AnyRuntime, requests: readonly IncludeRequest[]): IncludePlan[] {
  if (requests.length === 0) return [];
  let plans = plannedTrees.get(runtime);
  if (!plans) {
    plans = new WeakMap();
    plannedTrees.set(runtime, plans);
  }
  let planned = plans.get(requests);
  if (!planned) {
    planned = planLevel(runtime, requests);
    plans.set(requests, planned);
  }
  return planned;
}

function planLevel(runtime: AnyRuntime, requests: readonly IncludeRequest[]): IncludePlan[] {
  const relations = relationsOf(runtime);
  return requests.map((request) => {
    const relation = relations.get(request.name);
    if (!relation) throw unknownRelation(runtime, request.name, [...relations.keys()]);
    const target = relation.target;
    const toMany = relation.type === "hasMany" || relation.type === "manyToMany";
    if (request.limit !== undefined && !toMany) {
      throw problems.invalidParameter(
        "include",
        `'limit' applies only to hasMany and manyToMany relations, not to '${request.name}'`,
      );
    }
    return {
      relation,
      select: inOption(request.name, () =>
        request.select ? parseSelect(request.select.join(","), target.info) : null,
      ),
      order: inOption(request.name, () => parseOrderBy(request.orderBy, target.info)),
      filter:
        request.filter === undefined
          ? null
          : inOption(request.name, () =>
              parseClientFilter(request.filter!, target.info, target.limits, target.filters),
            ),
      limit: toMany ? Math.min(request.limit ?? target.limits.maxLimit, target.limits.maxLimit) : 1,
      children: planIncludes(target, request.children),
    };
  });
}

/** The columns parent rows must carry so `plans` can match their related rows. */
export function sourceKeysOf(plans: readonly IncludePlan[]): string[] {
  return plans.map((plan) => plan.relation.sourceKey);
}
