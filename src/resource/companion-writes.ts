/**
 * Companion writes: rows an extension adds inside the same transaction as every write to a table
 * (search's outbox adds one entry per written row), so the data and the extension's record of it
 * commit or roll back together. An extension joins a resource's writes with
 * `handle.joinWrites(companion)` (see extension.ts); every write to that table in that database
 * through the resource layer — single writes (queries.ts) and transactions of planned writes
 * (atomic.ts, used by batch and nested writes) — then carries the companion's rows.
 */
import type { SQL, Table } from "drizzle-orm";
import { mapDatabaseError } from "../kernel/db-errors";
import type { AnyDatabase } from "../kernel/dialect";
import type { MutationOp } from "../kernel/mutations";
import type { TableInfo } from "./table-info";
import { insertRows, runTransaction, type Query, type TransactionBuilders } from "./transaction";

type Row = Record<string, unknown>;

/** What an extension writes beside each row written to a table (compare `ResourceExtension.afterCommit`, which runs after the commit). */
export interface CompanionWrites {
  /** Identifies the companion: joining twice with one key (a resource mounted again) counts once. */
  readonly key: string;
  /** The database whose writes it joins; writes to the same table in another database do not carry it. */
  readonly db: AnyDatabase;
  /** Makes ready what its rows need (creates a table); awaited before each transaction that carries them. */
  prepare(): Promise<void>;
  /** The rows to insert, in the same transaction, for one written row. */
  rowsFor(op: MutationOp, row: Row): { table: Table; values: Row }[];
}

/** One write to a table, as the resource layer plans it. */
export type TableWrite =
  | { kind: "insert"; values: Row }
  | { kind: "update"; values: Row; where: SQL }
  | { kind: "delete"; where: SQL };

const NONE: readonly CompanionWrites[] = Object.freeze([]);
const companions = new WeakMap<Table, CompanionWrites[]>();

/** Makes every later write to `table` in `companion.db` carry the companion's rows. */
export function joinWrites(table: Table, companion: CompanionWrites): void {
  let list = companions.get(table);
  if (!list) companions.set(table, (list = []));
  if (!list.some((other) => other.db === companion.db && other.key === companion.key)) list.push(companion);
}

/** The companions a write to `table` in `db` carries; empty for almost every table. */
export function companionsOf(table: Table, db: AnyDatabase): readonly CompanionWrites[] {
  const list = companions.get(table);
  return list ? list.filter((companion) => companion.db === db) : NONE;
}

async function prepareAll(list: readonly CompanionWrites[]): Promise<void> {
  for (const companion of list) await companion.prepare();
}

function opOf(kind: TableWrite["kind"]): MutationOp {
  return kind === "insert" ? "create" : kind;
}

function rowsFor(list: readonly CompanionWrites[], op: MutationOp, row: Row): { table: Table; values: Row }[] {
  return list.flatMap((companion) => companion.rowsFor(op, row));
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

/** The companion rows of a transaction's planned writes, from the rows they returned. */
export function plannedCompanionRows(
  info: TableInfo,
  writes: readonly PlannedTableWrite[],
  rows: readonly Row[],
): { table: Table; values: Row }[] {
  const entries: { table: Table; values: Row }[] = [];
  writes.forEach((write, i) => {
    const list = companionsOf(write.table ?? info.table, info.db);
    if (list.length > 0 && rows[i]) entries.push(...rowsFor(list, opOf(write.kind), rows[i]!));
  });
  return entries;
}

/** Prepares the companions a transaction of planned writes will carry; instant when none. */
export async function prepareCompanionRows(info: TableInfo, writes: readonly PlannedTableWrite[]): Promise<void> {
  for (const write of writes) {
    const list = companionsOf(write.table ?? info.table, info.db);
    if (list.length > 0) await prepareAll(list);
  }
}

/**
 * Runs one write of the resource's table and the companion rows of every row it returned, in one
 * transaction. Returns the written rows.
 */
export async function writeWithCompanions(
  info: TableInfo,
  write: TableWrite,
  list: readonly CompanionWrites[],
): Promise<Row[]> {
  await prepareAll(list);
  const op = opOf(write.kind);
  try {
    return await runTransaction(info.db, function* (tx) {
      const rows = yield statementOf(tx, info.table, write);
      yield* insertRows(
        tx,
        rows.flatMap((row) => rowsFor(list, op, row)),
      );
      return rows;
    });
  } catch (error) {
    throw mapDatabaseError(error, info.name);
  }
}
