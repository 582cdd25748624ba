/**
 * Batch write mode: writes queued on a unit of work run in one transaction when saved (through
 * `runTransaction`, so synchronously on better-sqlite3 and asynchronously on Postgres drivers),
 * and their mutations are published once, after commit. The first failure rolls back everything
 * and is reported as a problem naming the operation.
 */
import { eq, getTableColumns } from "drizzle-orm";
import type { ContextSource } from "../kernel/context";
import { mapDatabaseError } from "../kernel/db-errors";
import type { AnyDatabase } from "../kernel/dialect";
import { ProblemError, problems } from "../kernel/errors";
import { publishMutations, type Mutation } from "../kernel/mutations";
import { runTransaction, type Query, type TransactionBuilders } from "../resource";
import "./problems";
import type { DataTable, DataTables, Operation, RowId, UnitOfWork } from "./types";

type Row = Record<string, unknown>;

/** The error of operation `index`, as a problem carrying `index`, `op` and `table`. */
function failedAt(error: unknown, index: number, operation: { op: string; table: string }): ProblemError {
  const mapped = error instanceof ProblemError ? error : mapDatabaseError(error, operation.table);
  const where = { index, op: operation.op, table: operation.table };
  const detail = `Operation ${index} (${operation.op} on ${operation.table}) failed; nothing was written`;
  if (mapped instanceof ProblemError) {
    return new ProblemError(mapped.problemType, {
      detail: mapped.detail === undefined ? detail : `${detail}: ${mapped.detail}`,
      extensions: { ...mapped.extensions, ...where },
      status: mapped.status,
      cause: error,
    });
  }
  return new ProblemError("unit-of-work-failed", { detail, extensions: where, cause: error });
}

function statementOf(tx: TransactionBuilders, tables: DataTables, operation: Operation<DataTables>): Query {
  const { table, id } = tables[operation.table]!;
  if (operation.op === "create") return tx.insert(table).values(operation.values).returning();
  if (operation.op === "update") return tx.update(table).set(operation.changes).where(eq(id, operation.id)).returning();
  return tx.delete(table).where(eq(id, operation.id)).returning();
}

/**
 * Runs `operations` in one transaction and publishes their mutations after commit; resolves with
 * the written rows in operation order.
 */
export async function runOperations(
  db: AnyDatabase,
  tables: DataTables,
  operations: readonly Operation<DataTables>[],
  app: ContextSource | undefined,
): Promise<Row[]> {
  let current = -1;
  let result: { rows: Row[]; mutations: Mutation[] };
  try {
    result = await runTransaction(
      db,
      function* (tx) {
        // Built afresh on each attempt: a retried transaction starts over.
        const rows: Row[] = [];
        const mutations: Mutation[] = [];
        for (current = 0; current < operations.length; current++) {
          const operation = operations[current]!;
          const [row] = yield statementOf(tx, tables, operation);
          if (!row)
            throw operation.op === "create"
              ? problems.notFound(operation.table)
              : problems.notFound(operation.table, String(operation.id));
          rows.push(row);
          mutations.push({
            resource: operation.table,
            op: operation.op,
            id: idOf(row, tables[operation.table]!),
            row,
            db,
          });
        }
        return { rows, mutations };
      },
      "A unit of work",
    );
  } catch (error) {
    if (current < 0 || current >= operations.length) throw error;
    throw failedAt(error, current, operations[current]!);
  }
  await publishMutations(result.mutations, app);
  return result.rows;
}

const idKeys = new WeakMap<DataTable, string>();

/** The property key of a table's id column (Drizzle returns rows keyed by property, not column name). */
function idKeyOf(served: DataTable): string {
  let key = idKeys.get(served);
  if (key === undefined) {
    key = Object.entries(getTableColumns(served.table)).find(([, column]) => column === served.id)?.[0];
    if (key === undefined) throw new TypeError("covara data service: a table's id column does not belong to it");
    idKeys.set(served, key);
  }
  return key;
}

function idOf(row: Row, served: DataTable): RowId {
  const id = row[idKeyOf(served)];
  if (typeof id === "string" || typeof id === "number") return id;
  if (typeof id === "bigint") return Number(id);
  throw new TypeError("covara data service: a written row has no id");
}

export function createUnitOfWork<TTables extends DataTables>(
  save: (operations: readonly Operation<TTables>[]) => Promise<Row[]>,
  served: ReadonlySet<string>,
): UnitOfWork<TTables> {
  let queue: Operation<TTables>[] = [];
  const push = (operation: Operation<TTables>) => {
    if (!served.has(operation.table))
      throw new TypeError(`covara data service: '${operation.table}' is not one of its tables`);
    queue.push(operation);
  };
  const uow: UnitOfWork<TTables> = {
    create(table, values) {
      push({ op: "create", table, values } as Operation<TTables>);
      return uow;
    },
    update(table, id, changes) {
      push({ op: "update", table, id, changes } as Operation<TTables>);
      return uow;
    },
    delete(table, id) {
      push({ op: "delete", table, id } as Operation<TTables>);
      return uow;
    },
    get size() {
      return queue.length;
    },
    async saveChanges() {
      if (queue.length === 0) return { written: 0 };
      const rows = await save(queue);
      queue = [];
      return { written: rows.length };
    },
  };
  return uow;
}
