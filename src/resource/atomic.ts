/**
 * Runs a list of writes as one transaction: all happen or none. Drivers differ: better-sqlite3
 * (a synchronous SQLite driver) only runs synchronous transaction callbacks, so its writes run with
 * the builders' synchronous `.all()`; every other driver gets an async transaction. Everything
 * asynchronous — validation, hooks, scope checks — happens before, so the transaction holds no
 * locks while user code runs.
 */
import type { SQL, Table } from "drizzle-orm";
import { mapDatabaseError } from "../kernel/db-errors";
import type { TableInfo } from "./table-info";
import { prepareOutboxRows, recordOutboxRows, recordOutboxRowsSync } from "./search/outbox-writes";

type Row = Record<string, unknown>;

/**
 * One write of a transaction; `table` defaults to the resource's own table. An insert's values may
 * be computed from the rows earlier writes returned (a nested child needs its parent's new id);
 * such a function may throw a problem to roll the whole transaction back.
 */
export type PlannedWrite = { table?: Table } & (
  | { kind: "insert"; values: Row | ((written: readonly Row[]) => Row) }
  | { kind: "update"; values: Row; where: SQL; onMissing: () => Promise<Error> | Error }
  | { kind: "delete"; where: SQL; onMissing: () => Promise<Error> | Error }
);

interface Query extends PromiseLike<Row[]> {
  all(): Row[];
}
interface Returning {
  returning(): Query;
}
interface TransactionBuilders {
  insert(table: Table): { values(values: Row): Returning };
  update(table: Table): { set(values: Row): { where(where: SQL): Returning } };
  delete(table: Table): { where(where: SQL): Returning };
}
interface TransactionalDb {
  resultKind?: "sync" | "async";
  transaction<T>(run: (tx: TransactionBuilders) => T): T;
}

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
  return rows[0]!;
}

/** Runs the writes atomically and returns the row each one returned. */
export async function runAtomically(info: TableInfo, writes: PlannedWrite[]): Promise<Row[]> {
  const db = info.db as unknown as TransactionalDb;
  // A searchable table with an outbox gets its outbox rows in this same transaction.
  await prepareOutboxRows(info, writes);
  try {
    if (db.resultKind === "sync") {
      return db.transaction((tx) => {
        const rows: Row[] = [];
        for (const write of writes) rows.push(firstRow(build(tx, write.table ?? info.table, write, rows).all(), write));
        recordOutboxRowsSync(tx, info, writes, rows);
        return rows;
      });
    }
    return await db.transaction(async (tx) => {
      const rows: Row[] = [];
      for (const write of writes) rows.push(firstRow(await build(tx, write.table ?? info.table, write, rows), write));
      await recordOutboxRows(tx, info, writes, rows);
      return rows;
    });
  } catch (error) {
    if (error instanceof MissingRow) throw await error.write.onMissing();
    throw mapDatabaseError(error, info.name);
  }
}
