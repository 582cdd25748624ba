/**
 * Runs a list of writes as one transaction: all happen or none (see transaction.ts for how one
 * body serves the synchronous and the async drivers). Everything asynchronous — validation,
 * hooks — happens before, so the transaction holds no locks while user code runs; create and
 * update scopes are checked synchronously inside it, against each row as the database stores it
 * (read back after the write, so defaults, generated keys and what triggers set all count).
 */
import type { Table } from "drizzle-orm";
import { byId } from "./queries";
import { mapDatabaseError } from "../kernel/db-errors";
import { driverOf } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import type { PlannedWrite, StoredRowCheck, WriteLink } from "./write-plan";
import { companionsOf, plannedCompanionRows, prepareCompanionRows } from "./companion-writes";
import { runAsD1Batch } from "./d1-batch";
import type { TableInfo } from "./table-info";
import {
  insertRows,
  runTransaction,
  transactionsUnsupported,
  type Query,
  type TransactionBuilders,
} from "./transaction";

export type { PlannedWrite, StoredRowCheck, WriteLink } from "./write-plan";

type Row = Record<string, unknown>;

/** An insert's values with its links filled from the rows written before it. */
function linkedValues(write: { values: Row; links?: readonly WriteLink[] }, written: readonly Row[]): Row {
  if (!write.links?.length) return write.values;
  const values = { ...write.values };
  for (const link of write.links) values[link.key] = written[link.index]![link.from];
  return values;
}

function build(tx: TransactionBuilders, table: Table, write: PlannedWrite, written: readonly Row[]): Query {
  if (write.kind === "insert") return tx.insert(table).values(linkedValues(write, written)).returning();
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

/** The write's scope check, when it has one. */
function checkOf(write: PlannedWrite): StoredRowCheck | undefined {
  return write.kind === "delete" ? undefined : write.check;
}

/** Plain inserts: nothing computed from earlier rows, nothing checked after. */
function plainInserts(writes: readonly PlannedWrite[]): { table?: Table; values: Row }[] | null {
  const inserts: { table?: Table; values: Row }[] = [];
  for (const write of writes) {
    if (write.kind !== "insert" || write.links?.length || write.check) return null;
    inserts.push({ table: write.table, values: write.values });
  }
  return inserts;
}

/**
 * On Neon HTTP (no interactive transactions; D1 has its own runner, d1-batch.ts) only plain
 * inserts can be atomic: they go as one non-interactive batch, which the driver runs as a
 * transaction. Anything that
 * reads a row back before the next write (updates that must match, nested children, create
 * scopes, outboxes) is refused with a problem naming the driver.
 */
async function runAsBatch(info: TableInfo, writes: PlannedWrite[]): Promise<Row[]> {
  const driver = driverOf(info.db);
  const inserts = plainInserts(writes);
  // A companion's rows (a search outbox) would need the written row back: not a plain batch.
  const outboxed = writes.some((write) => companionsOf(write.table ?? info.table, info.db).length > 0);
  if (!inserts || outboxed)
    throw transactionsUnsupported(driver, writes.length > 1 ? "A write of several rows" : "This write");
  // Drizzle's batch is on both dialects' databases of these drivers; the union type has none callable.
  const batching = assumeType<{ batch(queries: Query[]): Promise<Row[][]> } & TransactionBuilders>(info.db);
  try {
    const results = await batching.batch(
      inserts.map((insert) =>
        batching
          .insert(insert.table ?? info.table)
          .values(insert.values)
          .returning(),
      ),
    );
    return results.map((rows) => rows[0]!);
  } catch (error) {
    throw mapDatabaseError(error, info.name);
  }
}

/**
 * One planned write inside a running transaction: its statement, then its scope's check of the
 * row as stored; returns the row the write returned. A write that matched no row throws, rolling
 * the transaction back; `writeFailure` turns that (or a database error) into the problem.
 */
export function* runPlannedWrite(
  tx: TransactionBuilders,
  info: TableInfo,
  write: PlannedWrite,
  written: readonly Row[] = [],
): Generator<Query, Row, Row[]> {
  const row = firstRow(yield build(tx, write.table ?? info.table, write, written), write);
  const scope = checkOf(write);
  if (scope) {
    // RETURNING shows the row as the statement wrote it, not what AFTER triggers changed
    // next: the check reads the row back.
    const stored = yield tx.select().from(scope.info.table).where(byId(scope.info, row[scope.info.idKey]));
    scope.check(stored[0] ?? row);
  }
  return row;
}

/** The problem a transaction of planned writes failed with: why a write matched no row, or the mapped database error. */
export async function writeFailure(info: TableInfo, error: unknown): Promise<unknown> {
  if (error instanceof MissingRow) return error.write.onMissing();
  return mapDatabaseError(error, info.name);
}

/** Runs the writes atomically and returns the row each one returned. */
export async function runAtomically(info: TableInfo, writes: PlannedWrite[]): Promise<Row[]> {
  const driver = driverOf(info.db);
  if (driver.name === "d1") return runAsD1Batch(info, writes);
  if (driver.transactions === "none") return runAsBatch(info, writes);
  // Extensions' companion rows (a search outbox entry) are written in this same transaction.
  await prepareCompanionRows(info, writes);
  try {
    return await runTransaction(info.db, function* (tx) {
      const rows: Row[] = [];
      for (const write of writes) rows.push(yield* runPlannedWrite(tx, info, write, rows));
      yield* insertRows(tx, plannedCompanionRows(info, writes, rows));
      return rows;
    });
  } catch (error) {
    throw await writeFailure(info, error);
  }
}
