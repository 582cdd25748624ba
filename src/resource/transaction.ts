/**
 * One transaction runner for every driver. better-sqlite3 (synchronous) only runs synchronous
 * transaction callbacks, every other driver needs an async one. A transaction body is therefore a
 * generator that yields each query and receives its rows: the runner executes it with `.all()` on
 * the synchronous driver and with `await` elsewhere, so each body is written once.
 */
import type { SQL, Table } from "drizzle-orm";
import type { AnyDatabase } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";

type Row = Record<string, unknown>;

/** A built statement: awaited on async drivers, `.all()` on better-sqlite3. */
export interface Query extends PromiseLike<Row[]> {
  all(): Row[];
}

interface Returning {
  returning(): Query;
}

/** Drizzle's transaction builders, as the resource layer uses them. */
export interface TransactionBuilders {
  insert(table: Table): { values(values: Row): Returning };
  update(table: Table): { set(values: Row): { where(where: SQL): Returning } };
  delete(table: Table): { where(where: SQL): Returning };
}

interface TransactionalDb {
  resultKind?: "sync" | "async";
  transaction<T>(run: (tx: TransactionBuilders) => T): T;
}

/** A transaction body: yields queries, receives their rows, returns the result. Throwing rolls back. */
export type TransactionBody<T> = (tx: TransactionBuilders) => Generator<Query, T, Row[]>;

/** Runs `body` in one transaction of `db`. */
export async function runTransaction<T>(db: AnyDatabase, body: TransactionBody<T>): Promise<T> {
  // Both dialects' databases have these builders; their union has no callable ones.
  const transactional = assumeType<TransactionalDb>(db);
  if (transactional.resultKind === "sync") {
    return transactional.transaction((tx) => {
      const steps = body(tx);
      let step = steps.next();
      while (!step.done) step = steps.next(step.value.all());
      return step.value;
    });
  }
  return transactional.transaction(async (tx) => {
    const steps = body(tx);
    let step = steps.next();
    while (!step.done) step = steps.next(await step.value);
    return step.value;
  });
}

/** Inserts rows into their tables (a body's `yield*` step). */
export function* insertRows(tx: TransactionBuilders, entries: readonly { table: Table; values: Row }[]): Generator<Query, void, Row[]> {
  for (const entry of entries) yield tx.insert(entry.table).values(entry.values).returning();
}
