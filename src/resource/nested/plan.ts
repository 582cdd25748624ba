/**
 * Plans a nested create: splits a POST body into the row's own fields and its relation payloads —
 * belongsTo parents to create first, hasOne/hasMany children to create after — and runs every row
 * through its own resource's create steps (allowlists, validation, hooks, create scope). Nothing
 * is written here; a mistake anywhere is a problem naming the path of the offending row.
 */
import "../problems";
import type { Context } from "hono";
import { ProblemError } from "../../kernel/errors";
import { resolveAccess, type Access } from "../access";
import { DEFAULT_BATCH_LIMIT } from "../batch-handlers";
import type { AnyRuntime } from "../relations/registry";
import { relationsOf, type ResolvedRelation } from "../relations/resolve";
import { hookContext } from "../runtime";
import type { CovaraEnv } from "../../kernel/http";
import { prepareCreate, shapeInput, type Row } from "../write-steps";

export interface NestedNode {
  runtime: AnyRuntime;
  access: Access;
  /** Prepared values, without the foreign keys filled inside the transaction. */
  data: Row;
  /** Where the row sits in the body, for errors (`author`, `comments[2]`). */
  path: string;
  parents: { relation: ResolvedRelation; node: NestedNode }[];
  children: { relation: ResolvedRelation; nodes: NestedNode[] }[];
}

/** Deepest nesting of one nested create (the top row is depth 0). */
export const MAX_NESTED_DEPTH = 3;

function invalid(path: string, detail: string): ProblemError {
  return new ProblemError("nested-write-invalid", { detail, extensions: { path: path || "(body)" } });
}

function isObject(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a create body carries any relation payload (and so needs the nested path). */
export function hasNestedPayload(runtime: AnyRuntime, body: Row): boolean {
  if (!runtime.config.relations && !runtime.config.autoRelations) return false;
  const relations = relationsOf(runtime);
  return Object.keys(body).some((key) => relations.has(key) && body[key] !== undefined);
}

/** A placeholder of the column's type, standing in for a foreign key during validation. */
function placeholder(runtime: AnyRuntime, key: string): unknown {
  const type = runtime.info.columns[key]!.dataType;
  if (type === "number") return 1;
  if (type === "bigint") return 1n;
  if (type === "date") return new Date(0);
  if (type === "boolean") return false;
  return "0";
}

/** Tags a problem with the path of the row that caused it. */
async function atPath<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ProblemError && path && error.extensions.path === undefined) error.extensions.path = path;
    throw error;
  }
}

class Planner {
  private readonly access = new Map<AnyRuntime, Promise<Access>>();
  constructor(
    private readonly c: Context<CovaraEnv>,
    root: AnyRuntime,
    rootAccess: Access,
  ) {
    this.access.set(root, Promise.resolve(rootAccess));
  }

  private accessFor(runtime: AnyRuntime): Promise<Access> {
    let access = this.access.get(runtime);
    if (!access) {
      access = resolveAccess("create", this.c, runtime.config.auth, runtime.scopes, runtime.info);
      this.access.set(runtime, access);
    }
    return access;
  }

  /** Plans one row; `incoming` is the foreign key its parent fills in (for children). */
  async plan(runtime: AnyRuntime, body: Row, path: string, trail: string[], incoming?: string): Promise<NestedNode> {
    const relations = relationsOf(runtime);
    const own: Row = {};
    const node: NestedNode = {
      runtime,
      access: await this.accessFor(runtime),
      data: {},
      path,
      parents: [],
      children: [],
    };
    const deferred: Row = {};
    for (const [key, value] of Object.entries(body)) {
      const relation = relations.get(key);
      if (!relation || value === undefined) {
        own[key] = value;
        continue;
      }
      const where = path ? `${path}.${key}` : key;
      const target = relation.target;
      if (relation.type === "manyToMany")
        throw invalid(where, `'${key}' is a manyToMany relation; link rows through the junction resource instead`);
      if (!relation.scoped)
        throw invalid(
          where,
          `'${key}' relates to a table that is not a registered resource, so it cannot be written nested`,
        );
      if (trail.includes(target.info.name))
        throw invalid(where, `Nested write cycle: ${[...trail, target.info.name].join(" → ")}`);
      if (trail.length > MAX_NESTED_DEPTH)
        throw invalid(where, `Nested writes may be at most ${MAX_NESTED_DEPTH} levels deep`);
      const nextTrail = [...trail, target.info.name];
      if (relation.type === "belongsTo") {
        if (!isObject(value))
          throw invalid(where, `'${key}' must be an object (the ${target.info.name} row to create)`);
        if (body[relation.sourceKey] !== undefined)
          throw invalid(where, `Send either '${key}' or '${relation.sourceKey}', not both`);
        node.parents.push({ relation, node: await this.plan(target, value, where, nextTrail) });
        deferred[relation.sourceKey] = placeholder(runtime, relation.sourceKey);
      } else if (relation.type === "hasOne") {
        if (!isObject(value))
          throw invalid(where, `'${key}' must be an object (the ${target.info.name} row to create)`);
        node.children.push({ relation, nodes: [await this.plan(target, value, where, nextTrail, relation.targetKey)] });
      } else {
        const limit = target.config.batch?.create ?? DEFAULT_BATCH_LIMIT;
        if (!Array.isArray(value) || !value.every(isObject))
          throw invalid(where, `'${key}' must be an array of objects (the ${target.info.name} rows to create)`);
        if (value.length > limit) throw invalid(where, `'${key}' may hold at most ${limit} rows`);
        const nodes: NestedNode[] = [];
        for (const [i, item] of value.entries())
          nodes.push(await this.plan(target, item, `${where}[${i}]`, nextTrail, relation.targetKey));
        node.children.push({ relation, nodes });
      }
    }
    if (incoming !== undefined) {
      delete own[incoming]; // the parent's key, never the client's
      deferred[incoming] = placeholder(runtime, incoming);
    }
    const hasDeferred = Object.keys(deferred).length > 0;
    node.data = await atPath(path, () =>
      prepareCreate(
        runtime,
        hookContext(runtime, this.c, "create", node.access.user),
        shapeInput(runtime, own),
        hasDeferred ? deferred : undefined,
      ),
    );
    return node;
  }
}

/** Plans a nested create of `body` on `runtime`, whose create access the caller already resolved. */
export function planNestedCreate(
  runtime: AnyRuntime,
  c: Context<CovaraEnv>,
  body: Row,
  access: Access,
): Promise<NestedNode> {
  return new Planner(c, runtime, access).plan(runtime, body, "", [runtime.info.name]);
}
