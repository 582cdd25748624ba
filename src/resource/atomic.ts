/**
 * Runs a list of writes as one transaction: all happen or none (see transaction.ts for how one
 * body serves the synchronous and the async drivers). Everything asynchronous — validation,
 * hooks, update scope checks — happens before, so the transaction holds no locks while user code
 * runs; create scopes are checked synchronously inside it, against each row as it was stored.
 */
import type { SQL, Table } from "drizzle-orm";
import { mapDatabaseError } from "../kernel/db-errors";
import type { TableInfo } from "./table-info";
import { plannedCompanionRows, prepareCompanionRows } from "./companion-writes";
import { insertRows, runTransaction, type Query, type TransactionBuilders } from "./transaction";

type Row = Record<string, unknown>;

/**
 * One write of a transaction; `table` defaults to the resource's own table. An insert's values may
 * be computed from the rows earlier writes returned (a nested child needs its parent's new id);
 * such a function may throw a problem to roll the whole transaction back.
 */
export type PlannedWrite = { table?: Table } & (
  | {
      kind: "insert";
      values: Row | ((written: readonly Row[]) => Row);
      /**
       * Checks the row as stored (defaults, generated keys, foreign keys applied); throwing a
       * problem rolls the whole transaction back. This is how create scopes see the real row.
       */
      check?: (stored: Row) => void;
    }
  | { kind: "update"; values: Row; where: SQL; onMissing: () => Promise<Error> | Error }
  | { kind: "delete"; where: SQL; onMissing: () => Promise<Error> | Error }
);

function build(tx: TransactionBuilders, table: Table, write: PlannedWrite, written: readonly Row[]): Query {
  if (write.kind === "insert") {
    const values = typeof write.values === "function" ? write.values(written) : write.values;
    return tx.insert(table).values(values).returning();
  }
  if (write.kind === "update") return tx.update(table).set(write.values).where(write.where).returning();
  return tx.delete(table).where(write.where).returning();
}

/** Thrown inside a transaction to roll it back when a write matched no row. */
class MissingRow extends Error {
  constructor(readonly write: PlannedWrite & { onMissing: () => Promise<Error> | Error }) {
    super("write matched no row");
  }
}

function firstRow(rows: Row[], write: PlannedWrite): Row {
  if (rows.length === 0 && write.kind !== "insert") throw new MissingRow(write);
  const row = rows[0]!;
  if (write.kind === "insert") write.check?.(row);
  return row;
}

/** Runs the writes atomically and returns the row each one returned. */
export async function runAtomically(info: TableInfo, writes: PlannedWrite[]): Promise<Row[]> {
  // Extensions' companion rows (a search outbox entry) are written in this same transaction.
  await prepareCompanionRows(info, writes);
  try {
    return await runTransaction(info.db, function* (tx) {
      const rows: Row[] = [];
      for (const write of writes) rows.push(firstRow(yield build(tx, write.table ?? info.table, write, rows), write));
      yield* insertRows(tx, plannedCompanionRows(info, writes, rows));
      return rows;
    });
  } catch (error) {
    if (error instanceof MissingRow) throw await error.write.onMissing();
    throw mapDatabaseError(error, info.name);
  }
}
