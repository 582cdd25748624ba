/**
 * Everything a resource needs to know about its table, computed once at mount time.
 */
import { getTableColumns, getTableName, type Column, type Table } from "drizzle-orm";
import { untrackedDatabase } from "../kernel/tracked-db-marker";
import { createOperatorRegistry, type OperatorRegistry } from "../kernel/rsql";
import { dialectOf, type AnyDatabase, type Dialect } from "../kernel/dialect";
import type { ResourceConfig } from "./types";

export interface TableInfo {
  name: string;
  table: Table;
  db: AnyDatabase;
  dialect: Dialect;
  /** Every column by JS property name. */
  columns: Record<string, Column>;
  /** Columns a client may see, filter, sort and select on. */
  readableColumns: Record<string, Column>;
  readable: ReadonlySet<string>;
  /** Names of computed fields (selectable, never stored). */
  computed: ReadonlySet<string>;
  /** Columns a client may write, or null when every column is writable. */
  writable: ReadonlySet<string> | null;
  generated: ReadonlySet<string>;
  idKey: string;
  idColumn: Column;
  /** The version column of optimistic locking, or null. */
  versionKey: string | null;
  /** The soft-delete column, or null. */
  softDeleteKey: string | null;
  operators: OperatorRegistry;
}

/** Checks the configured column can carry a deletion mark. */
function validateSoftDeleteColumn(columns: Readonly<Record<string, Column>>, key: string): void {
  const column = Object.hasOwn(columns, key) ? columns[key] : undefined;
  if (!column || (column.dataType !== "date" && column.dataType !== "boolean")) {
    throw new TypeError(`covara: softDelete.field '${key}' must be a timestamp or boolean column of the table`);
  }
  if (column.dataType === "date" && column.notNull) {
    throw new TypeError(`covara: softDelete.field '${key}' must be nullable (null means not deleted)`);
  }
}

/** Reads the table's shape and validates the resource config against it. */
export function describeTable<TTable extends Table>(table: TTable, config: ResourceConfig<TTable>): TableInfo {
  const columns = getTableColumns(table) as Record<string, Column>;
  const idKey = Object.keys(columns).find((key) => columns[key] === config.id);
  if (idKey === undefined) {
    throw new TypeError(`covara: the id column of resource '${getTableName(table)}' does not belong to its table`);
  }
  const known = (keys: readonly string[] | undefined, option: string): string[] | undefined => {
    for (const key of keys ?? []) {
      if (!Object.hasOwn(columns, key)) throw new TypeError(`covara: ${option} names unknown column '${key}'`);
    }
    return keys ? [...keys] : undefined;
  };
  const readableKeys = known(config.fields?.readable, "fields.readable") ?? Object.keys(columns);
  const writableKeys = known(config.fields?.writable, "fields.writable");
  const generatedKeys = known(Object.keys(config.generatedFields ?? {}), "generatedFields") ?? [];

  const versionKey = config.etag?.versionField ?? null;
  if (versionKey !== null && (!Object.hasOwn(columns, versionKey) || columns[versionKey]!.dataType !== "number")) {
    throw new TypeError(`covara: etag.versionField '${versionKey}' must be an integer column of the table`);
  }
  const softDeleteKey = config.softDelete?.field ?? null;
  if (softDeleteKey !== null) validateSoftDeleteColumn(columns, softDeleteKey);
  for (const name of Object.keys(config.computed ?? {})) {
    if (Object.hasOwn(columns, name)) throw new TypeError(`covara: computed field '${name}' has the name of a column`);
  }
  const readableColumns: Record<string, Column> = {};
  for (const key of readableKeys) readableColumns[key] = columns[key]!;

  return {
    name: config.name ?? getTableName(table),
    table,
    // A resource given a tracked db writes through the plain one: its endpoints publish every
    // write themselves, and the tracked db would publish each a second time.
    db: untrackedDatabase(config.db),
    dialect: dialectOf(config.db),
    columns,
    readableColumns,
    readable: new Set(readableKeys),
    computed: new Set(Object.keys(config.computed ?? {})),
    writable: writableKeys ? new Set(writableKeys) : null,
    generated: new Set(generatedKeys),
    idKey,
    idColumn: config.id,
    versionKey,
    softDeleteKey,
    operators: createOperatorRegistry(config.filter?.operators),
  };
}
