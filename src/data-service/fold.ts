/**
 * A unit's operations as they are written. An update or delete of a row that an earlier create of
 * the same unit makes (its values name the id) is folded into that create, as an ORM's change
 * tracker treats an entity added and then changed before saving: the update's changes join the
 * create's values, and a delete takes the create back (nothing is written for that row). Without
 * this, such an update or delete would be prepared against the database as it was before the unit
 * and find no row (every operation is prepared before the transaction opens).
 */
import { getTableColumns } from "drizzle-orm";
import type { DataTable, DataTables, Operation } from "./types";

/** An operation to write and the queue position it stands for (the create's, when folded). */
export interface Queued {
  operation: Operation<DataTables>;
  index: number;
}

const idKeys = new WeakMap<DataTable, string>();

/** The property key of a table's id column (Drizzle returns rows keyed by property, not column name). */
export function idKeyOf(served: DataTable): string {
  let key = idKeys.get(served);
  if (key === undefined) {
    key = Object.entries(getTableColumns(served.table)).find(([, column]) => column === served.id)?.[0];
    if (key === undefined) throw new TypeError("covara data service: a table's id column does not belong to it");
    idKeys.set(served, key);
  }
  return key;
}

export function foldIntoCreates(operations: readonly Operation<DataTables>[], tables: DataTables): Queued[] {
  const queued: (Queued | undefined)[] = [];
  // Rows this unit creates, by table and id: where their create waits in `queued`.
  const created = new Map<string, number>();
  const keyOf = (table: string, id: unknown) => `${table}\u0000${String(id)}`;
  for (const [index, operation] of operations.entries()) {
    const served = tables[operation.table]!;
    if (operation.op === "create") {
      const id = (operation.values as Record<string, unknown>)[idKeyOf(served)];
      if (id !== undefined && id !== null) created.set(keyOf(operation.table, id), queued.length);
      queued.push({ operation, index });
      continue;
    }
    const at = created.get(keyOf(operation.table, operation.id));
    const create = at === undefined ? undefined : queued[at];
    // An update that changes the id itself is left as it is (and finds no row).
    const changesId = operation.op === "update" && idKeyOf(served) in operation.changes;
    if (create === undefined || create.operation.op !== "create" || changesId) {
      queued.push({ operation, index });
      continue;
    }
    if (operation.op === "delete") {
      queued[at!] = undefined;
      created.delete(keyOf(operation.table, operation.id));
    } else {
      create.operation = { ...create.operation, values: { ...create.operation.values, ...operation.changes } };
    }
  }
  return queued.filter((entry) => entry !== undefined);
}
