/**
 * The write side of the search outbox. A table whose resource has `search.outbox` is registered
 * here; every write to it through the resource layer — single writes (queries.ts) and transactions
 * of planned writes (atomic.ts, used by batch and nested writes) — then adds one outbox row per
 * written row inside the same transaction, so the data and its outbox entry commit or roll back
 * together.
 */
import type { SQL, Table } from "drizzle-orm";
import { mapDatabaseError } from "../../kernel/db-errors";
import type { AnyDatabase } from "../../kernel/dialect";
import type { TableInfo } from "../table-info";
import { insertRows, runTransaction, type Query, type TransactionBuilders } from "../transaction";
import { ensureOutboxTable, type OutboxTable } from "./outbox-table";

type Row = Record<string, unknown>;

export type OutboxOp = "create" | "update" | "delete";

/** A searchable resource's claim on its table: writes to the table in `db` feed this outbox. */
export interface OutboxBinding {
  db: AnyDatabase;
  resource: string;
  idKey: string;
  outbox: OutboxTable;
}

/** One write to a table, as the resource layer plans it. */
export type TableWrite =
  | { kind: "insert"; values: Row }
  | { kind: "update"; values: Row; where: SQL }
  | { kind: "delete"; where: SQL };

const NONE: readonly OutboxBinding[] = Object.freeze([]);
const bindings = new WeakMap<Table, OutboxBinding[]>();

/** Makes every later write to `table` in `binding.db` feed the binding's outbox. */
export function registerOutbox(table: Table, binding: OutboxBinding): void {
  let list = bindings.get(table);
  if (!list) bindings.set(table, (list = []));
  const same = (other: OutboxBinding) => other.db === binding.db && other.resource === binding.resource && other.outbox.name === binding.outbox.name;
  if (!list.some(same)) list.push(binding);
}

/** The outboxes a write to `table` in `db` must feed; empty for almost every table. */
export function outboxesOf(table: Table, db: AnyDatabase): readonly OutboxBinding[] {
  const list = bindings.get(table);
  return list ? list.filter((binding) => binding.db === db) : NONE;
}

/** Creates the outbox tables the bindings write to (once per process). */
async function ensureOutboxes(outboxes: readonly OutboxBinding[]): Promise<void> {
  for (const binding of outboxes) await ensureOutboxTable(binding.db, binding.outbox);
}

function outboxOp(kind: TableWrite["kind"]): OutboxOp {
  return kind === "insert" ? "create" : kind;
}

/** The outbox rows for one written row. */
function outboxInserts(outboxes: readonly OutboxBinding[], op: OutboxOp, row: Row): { table: Table; values: Row }[] {
  const createdAt = new Date();
  return outboxes.map((binding) => ({
    table: binding.outbox.table,
    values: { resource: binding.resource, rowId: String(row[binding.idKey]), op, createdAt },
  }));
}

function statementOf(tx: TransactionBuilders, table: Table, write: TableWrite): Query {
  if (write.kind === "insert") return tx.insert(table).values(write.values).returning();
  if (write.kind === "update") return tx.update(table).set(write.values).where(write.where).returning();
  return tx.delete(table).where(write.where).returning();
}

/** A write as runAtomically plans it: its kind and the table it names (default the resource's). */
interface PlannedTableWrite {
  kind: TableWrite["kind"];
  table?: Table;
}

/** The outbox rows of a transaction's planned writes, from the rows they returned. */
export function plannedOutboxRows(info: TableInfo, writes: readonly PlannedTableWrite[], rows: readonly Row[]): { table: Table; values: Row }[] {
  const entries: { table: Table; values: Row }[] = [];
  writes.forEach((write, i) => {
    const outboxes = outboxesOf(write.table ?? info.table, info.db);
    if (outboxes.length > 0 && rows[i]) entries.push(...outboxInserts(outboxes, outboxOp(write.kind), rows[i]!));
  });
  return entries;
}

/** Creates the outbox tables a transaction of planned writes will write to; instant when none. */
export async function prepareOutboxRows(info: TableInfo, writes: readonly PlannedTableWrite[]): Promise<void> {
  for (const write of writes) {
    const outboxes = outboxesOf(write.table ?? info.table, info.db);
    if (outboxes.length > 0) await ensureOutboxes(outboxes);
  }
}

/**
 * Runs one write of the resource's table and the outbox rows of every row it returned, in one
 * transaction. Returns the written rows.
 */
export async function writeWithOutbox(info: TableInfo, write: TableWrite, outboxes: readonly OutboxBinding[]): Promise<Row[]> {
  await ensureOutboxes(outboxes);
  const op = outboxOp(write.kind);
  try {
    return await runTransaction(info.db, function* (tx) {
      const rows = yield statementOf(tx, info.table, write);
      yield* insertRows(tx, rows.flatMap((row) => outboxInserts(outboxes, op, row)));
      return rows;
    });
  } catch (error) {
    throw mapDatabaseError(error, info.name);
  }
}
