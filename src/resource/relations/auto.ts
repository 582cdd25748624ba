/**
 * `autoRelations`: relations discovered from the foreign keys of registered resources. A foreign
 * key `posts.authorId → users.id` gives posts a belongsTo `author` and users a hasMany `posts`.
 * Only single-column keys between registered resources are used; a name that is already a column,
 * or two keys that would give the same name, are skipped (declare those relations explicitly).
 */
import type { Column, Table } from "drizzle-orm";
import { getTableConfig as getPgTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as getSqliteTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AnyRuntime } from "./registry";
import type { RelationConfig } from "./types";

interface ForeignKeyFact {
  from: Table;
  column: Column;
  to: Table;
  references: Column;
}

function foreignKeysOf(runtime: AnyRuntime): ForeignKeyFact[] {
  const keys =
    runtime.info.dialect === "pg"
      ? getPgTableConfig(runtime.table as PgTable).foreignKeys
      : getSqliteTableConfig(runtime.table as SQLiteTable).foreignKeys;
  const facts: ForeignKeyFact[] = [];
  for (const key of keys) {
    const reference = key.reference();
    if (reference.columns.length !== 1) continue;
    facts.push({
      from: runtime.table,
      column: reference.columns[0]!,
      to: reference.foreignTable,
      references: reference.foreignColumns[0]!,
    });
  }
  return facts;
}

function keyOf(runtime: AnyRuntime, column: Column): string | undefined {
  return Object.keys(runtime.info.columns).find((key) => runtime.info.columns[key] === column);
}

/** `authorId` → `author`, `owner_id` → `owner`; null when the name has no such suffix. */
function belongsToName(columnKey: string): string | null {
  const match = /^(.+?)(?:Id|_id|ID)$/.exec(columnKey);
  return match ? match[1]! : null;
}

/** The relations foreign keys imply for `runtime`, by name. */
export function discoverRelations(runtime: AnyRuntime): Record<string, RelationConfig> {
  const found = new Map<string, RelationConfig | null>();
  const add = (name: string | null, config: RelationConfig) => {
    if (name === null || Object.hasOwn(runtime.info.columns, name)) return;
    found.set(name, found.has(name) ? null : config); // the same name twice is ambiguous
  };
  for (const key of foreignKeysOf(runtime)) {
    const target = runtime.registry.byTable(key.to);
    const columnKey = keyOf(runtime, key.column);
    if (!target || columnKey === undefined) continue;
    add(belongsToName(columnKey), {
      type: "belongsTo",
      resource: target.info.name,
      schema: key.to,
      foreignKey: key.column,
      references: key.references,
    });
  }
  for (const other of runtime.registry.all()) {
    if (other.info.dialect !== runtime.info.dialect) continue;
    for (const key of foreignKeysOf(other)) {
      if (key.to !== runtime.table) continue;
      add(other.info.name, {
        type: "hasMany",
        resource: other.info.name,
        schema: other.table,
        foreignKey: key.column,
        references: key.references,
      });
    }
  }
  const relations: Record<string, RelationConfig> = {};
  for (const [name, config] of found) if (config) relations[name] = config;
  return relations;
}
