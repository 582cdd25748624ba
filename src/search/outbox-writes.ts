/**
 * The write side of the search outbox: a searchable resource with `search.outbox` joins its
 * table's writes (`handle.joinWrites`, see resource/companion-writes.ts) with one outbox row per
 * written row, so the data and its outbox entry commit or roll back together.
 */
import type { AnyDatabase } from "../kernel/dialect";
import type { CompanionWrites } from "../resource/extension";
import { ensureOutboxTable, type OutboxTable } from "./outbox-table";

export type OutboxOp = "create" | "update" | "delete";

/** A searchable resource's claim on its table: writes to the table in `db` feed this outbox. */
export interface OutboxBinding {
  db: AnyDatabase;
  resource: string;
  idKey: string;
  outbox: OutboxTable;
}

/** The companion writes of one outbox: an entry naming the resource, the row id and the operation. */
export function outboxWrites(binding: OutboxBinding): CompanionWrites {
  return {
    key: `search-outbox:${binding.resource}:${binding.outbox.name}`,
    db: binding.db,
    // Creates the outbox table once per process.
    prepare: () => ensureOutboxTable(binding.db, binding.outbox),
    rowsFor: (op, row) => [
      {
        table: binding.outbox.table,
        values: { resource: binding.resource, rowId: String(row[binding.idKey]), op, createdAt: new Date() },
      },
    ],
  };
}
