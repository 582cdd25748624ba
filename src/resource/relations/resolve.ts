/**
 * Turns a resource's relation config (explicit and, with `autoRelations`, discovered from foreign
 * keys) into resolved relations: property keys on both sides and the target's runtime. A target
 * that is not a registered resource gets a private runtime with every column readable and no
 * scope — the explicit author choice the contracts describe.
 */
import { getTableColumns, getTableName, type Column, type Table } from "drizzle-orm";
import { createRuntime } from "../runtime";
import { discoverRelations } from "./auto";
import type { AnyRuntime, ResolvedRelation } from "../runtime-types";
import type { RelationConfig } from "./types";

export type { ResolvedRelation };

function keyOf(table: Table, column: Column, what: string): string {
  const columns = getTableColumns(table) as Record<string, Column>;
  const key = Object.keys(columns).find((candidate) => columns[candidate] === column);
  if (key === undefined) throw new TypeError(`covara: ${what} does not belong to table '${getTableName(table)}'`);
  return key;
}

function primaryKeyOf(table: Table): Column {
  const primary = Object.values(getTableColumns(table) as Record<string, Column>).filter((column) => column.primary);
  if (primary.length !== 1)
    throw new TypeError(
      `covara: table '${getTableName(table)}' needs a single-column primary key to be a relation target`,
    );
  return primary[0]!;
}

const privateTargets = new WeakMap<Table, AnyRuntime>();

function targetRuntime(source: AnyRuntime, config: RelationConfig): { runtime: AnyRuntime; scoped: boolean } {
  const name = config.resource ?? getTableName(config.schema);
  const registered = source.registry.get(name);
  if (registered) {
    if (registered.table !== config.schema)
      throw new TypeError(`covara: relation target '${name}' is registered with another table`);
    return { runtime: registered, scoped: true };
  }
  let runtime = privateTargets.get(config.schema);
  if (!runtime || runtime.info.db !== source.info.db) {
    runtime = createRuntime(
      config.schema,
      { id: primaryKeyOf(config.schema), db: source.info.db, name },
      undefined,
      source.app,
    );
    privateTargets.set(config.schema, runtime);
  }
  return { runtime, scoped: false };
}

function resolveOne(source: AnyRuntime, name: string, config: RelationConfig): ResolvedRelation {
  const { runtime: target, scoped } = targetRuntime(source, config);
  const where = `relation '${name}' of ${source.info.name}`;
  if (config.type === "belongsTo") {
    return {
      name,
      type: config.type,
      target,
      scoped,
      sourceKey: keyOf(source.table, config.foreignKey, `the foreignKey of ${where}`),
      targetKey: keyOf(config.schema, config.references, `the references column of ${where}`),
    };
  }
  if (config.type === "manyToMany") {
    return {
      name,
      type: config.type,
      target,
      scoped,
      sourceKey: keyOf(source.table, config.references ?? source.info.idColumn, `the references column of ${where}`),
      targetKey: keyOf(
        config.schema,
        config.targetReferences ?? primaryKeyOf(config.schema),
        `the targetReferences column of ${where}`,
      ),
      through: {
        table: config.through,
        sourceColumn: config.foreignKey,
        targetColumn: config.targetForeignKey,
      },
    };
  }
  return {
    name,
    type: config.type,
    target,
    scoped,
    sourceKey: keyOf(source.table, config.references, `the references column of ${where}`),
    targetKey: keyOf(config.schema, config.foreignKey, `the foreignKey of ${where}`),
  };
}

/** The resource's relations by name, resolved once (explicit ones win over discovered ones). */
export function relationsOf(runtime: AnyRuntime): ReadonlyMap<string, ResolvedRelation> {
  if (runtime.relations) return runtime.relations;
  const configs: Record<string, RelationConfig> = {
    ...(runtime.config.autoRelations ? discoverRelations(runtime) : {}),
    ...runtime.config.relations,
  };
  const resolved = new Map<string, ResolvedRelation>();
  for (const [name, config] of Object.entries(configs)) {
    if (Object.hasOwn(runtime.info.columns, name) || runtime.info.computed.has(name)) {
      throw new TypeError(`covara: relation '${name}' of ${runtime.info.name} has the name of a field`);
    }
    resolved.set(name, resolveOne(runtime, name, config));
  }
  runtime.relations = resolved;
  return resolved;
}
