/**
 * One transaction runner for every driver. better-sqlite3 (synchronous) only runs synchronous
 * transaction callbacks, every other driver needs an async one. A transaction body is therefore a
 * generator that yields each query and receives its rows: the runner executes it with `.all()` on
 * the synchronous driver and with `await` elsewhere, so each body is written once.
 *
 * Because a body only yields queries and computes from their rows, running it again is safe: a
 * transaction Postgres aborted as a serialization failure or deadlock, or one SQLite could not
 * start because the file was busy, is retried a few times before its error becomes a problem.
 * Drivers without interactive transactions (Neon HTTP, D1) refuse with a problem naming them.
 */
import type { SQL, Table } from "drizzle-orm";
import { isRetryableTransactionError } from "../kernel/db-errors";
import { driverOf, type AnyDatabase, type DriverInfo } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import { ProblemError } from "../kernel/errors";
import "./problems";

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
  select(): { from(table: Table): { where(where: SQL): Query } };
  insert(table: Table): { values(values: Row): Returning };
  update(table: Table): { set(values: Row): { where(where: SQL): Returning } };
  delete(table: Table): { where(where: SQL): Returning };
}

interface TransactionalDb {
  transaction<T>(run: (tx: TransactionBuilders) => T): T;
}

/** A transaction body: yields queries, receives their rows, returns the result. Throwing rolls back. */
export type TransactionBody<T> = (tx: TransactionBuilders) => Generator<Query, T, Row[]>;

/** Attempts per transaction when the database asks for a retry (serialization failure, deadlock, busy). */
const ATTEMPTS = 4;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What to do instead, per driver without interactive transactions. */
const INSTEAD: Partial<Record<DriverInfo["name"], string>> = {
  "neon-http": "use Neon's serverless Pool (drizzle-orm/neon-serverless) for this resource",
  d1: "D1 runs batch and nested writes as one batch(); writes that compute rows between statements (a search outbox) need a driver with interactive transactions",
};

/** The problem a driver without interactive transactions answers a multi-statement write with. */
export function transactionsUnsupported(driver: DriverInfo, what: string): ProblemError {
  return new ProblemError("transactions-unsupported", {
    detail: `${what} needs a database transaction, which the ${driver.name} driver cannot run; ${INSTEAD[driver.name] ?? "use a driver with interactive transactions"}`,
    extensions: { driver: driver.name },
  });
}

/** Runs `body` in one transaction of `db`, retrying it while the database says a retry may succeed. */
export async function runTransaction<T>(db: AnyDatabase, body: TransactionBody<T>, what = "This write"): Promise<T> {
  const driver = driverOf(db);
  if (driver.transactions === "none") throw transactionsUnsupported(driver, what);
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(db, driver, body);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      // Jittered backoff, so two transactions that collided do not collide again in lockstep.
      await pause(attempt * 5 + Math.random() * attempt * 20);
    }
  }
}

async function runOnce<T>(db: AnyDatabase, driver: DriverInfo, body: TransactionBody<T>): Promise<T> {
  // Both dialects' databases have these builders; their union has no callable ones.
  const transactional = assumeType<TransactionalDb>(db);
  if (driver.transactions === "sync") {
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
export function* insertRows(
  tx: TransactionBuilders,
  entries: readonly { table: Table; values: Row }[],
): Generator<Query, void, Row[]> {
  for (const entry of entries) yield tx.insert(entry.table).values(entry.values).returning();
}
