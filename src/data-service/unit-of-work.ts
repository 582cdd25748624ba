/**
 * Batch write mode: writes queued on a unit of work run in one transaction when saved. A table
 * mounted as a resource (same name, same database) is written through the resource's own write
 * steps — access and scopes for the acting user, the target inside the read scope, strictInput
 * and the writable allowlist, generated fields, hooks, validation, soft delete, extensions'
 * companion rows — by its handle's write port (see resource/write-port.ts); any other table is
 * written directly. Everything asynchronous (access, hooks, validation) is prepared first, in
 * queue order; the statements then run in one transaction (synchronously on better-sqlite3,
 * asynchronously elsewhere); the mutations are published once after the commit, then the
 * resources' `onAfter*` hooks run. The first failure rolls back everything and is reported as a
 * problem naming the operation. An update or delete of a row the unit itself creates is folded
 * into that create first (fold.ts).
 */
import type { Context } from "hono";
import { contextOf, type ContextSource } from "../kernel/context";
import { mapDatabaseError } from "../kernel/db-errors";
import type { AnyDatabase } from "../kernel/dialect";
import { ProblemError, problems } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import {
  runTransaction,
  type Mutation,
  type MutationFeed,
  type Query,
  type ResourceWriter,
  type TransactionBuilders,
} from "../resource/write-port";
import { eq } from "drizzle-orm";
import "./problems";
import { foldIntoCreates, idKeyOf } from "./fold";
import { actingRequest, routedResource } from "./route";
import type { DataActor, DataTable, DataTables, Operation, RowId, UnitOfWork, WriteRoute } from "./types";

type Row = Record<string, unknown>;

/** One queued write, ready to run inside the unit's transaction. */
interface Step {
  run(tx: TransactionBuilders): Generator<Query, Row, Row[]>;
  failure(error: unknown): Promise<unknown>;
  readonly feed: MutationFeed;
  mutation(row: Row): Mutation;
  afterCommit?(row: Row): Promise<void>;
}

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

function idOf(row: Row, served: DataTable): RowId {
  const id = row[idKeyOf(served)];
  if (typeof id === "string" || typeof id === "number") return id;
  if (typeof id === "bigint") return Number(id);
  throw new TypeError("covara data service: a written row has no id");
}

/** A write straight to a table no resource serves: the statement alone, as a tracked db would write it. */
function directStep(db: AnyDatabase, served: DataTable, operation: Operation<DataTables>, feed: MutationFeed): Step {
  const { table, id } = served;
  return {
    *run(tx) {
      const statement =
        operation.op === "create"
          ? tx.insert(table).values(operation.values).returning()
          : operation.op === "update"
            ? tx.update(table).set(operation.changes).where(eq(id, operation.id)).returning()
            : tx.delete(table).where(eq(id, operation.id)).returning();
      const [row] = yield statement;
      if (!row)
        throw operation.op === "create"
          ? problems.notFound(operation.table)
          : problems.notFound(operation.table, String(operation.id));
      return row;
    },
    failure: async (error) => (error instanceof ProblemError ? error : mapDatabaseError(error, operation.table)),
    feed,
    mutation: (row) => ({ resource: operation.table, op: operation.op, id: idOf(row, served), row, db }),
  };
}

/** What a saved unit produced: how many rows it wrote and the first one (the one-operation methods return it). */
export interface Saved {
  written: number;
  first: Row | undefined;
}

/** How a unit reaches the tables: the database, the served tables, where to publish, how to route writes. */
export interface UnitTarget {
  db: AnyDatabase;
  tables: DataTables;
  app: ContextSource | undefined;
  writes: WriteRoute;
}

/** The resource whose write steps a write of `name` takes, or undefined for a direct write. */
function resourceWriter(
  target: UnitTarget,
  name: string,
  writers: Map<string, ResourceWriter | null>,
  request: () => Context<CovaraEnv>,
): ResourceWriter | undefined {
  let writer = writers.get(name);
  if (writer === undefined) {
    const handle = routedResource(target, name);
    writer = handle ? handle.writer(request()) : null;
    writers.set(name, writer);
  }
  return writer ?? undefined;
}

/**
 * Runs `operations` in one transaction for `actor`, publishes their mutations after commit (once
 * per feed: one publish when the resources and the service share an app), then runs the
 * resources' after-hooks.
 */
export async function runOperations(
  target: UnitTarget,
  operations: readonly Operation<DataTables>[],
  actor: DataActor | undefined,
): Promise<Saved> {
  const feed = contextOf(target.app).mutations;
  const writers = new Map<string, ResourceWriter | null>();
  let request: Context<CovaraEnv> | undefined;
  const steps: Step[] = [];
  const queued = foldIntoCreates(operations, target.tables);
  if (queued.length === 0) return { written: 0, first: undefined };
  for (const { operation, index } of queued) {
    try {
      const writer = resourceWriter(target, operation.table, writers, () => (request ??= actingRequest(actor)));
      steps.push(
        writer
          ? await writer.prepare(operation)
          : directStep(target.db, target.tables[operation.table]!, operation, feed),
      );
    } catch (error) {
      throw failedAt(error, index, operation);
    }
  }

  let current = -1;
  let rows: Row[];
  try {
    rows = await runTransaction(
      target.db,
      function* (tx) {
        // Built afresh on each attempt: a retried transaction starts over.
        const written: Row[] = [];
        for (current = 0; current < steps.length; current++) written.push(yield* steps[current]!.run(tx));
        return written;
      },
      "A unit of work",
    );
  } catch (error) {
    if (current < 0 || current >= steps.length) throw error;
    const { operation, index } = queued[current]!;
    throw failedAt(await steps[current]!.failure(error), index, operation);
  }
  await publish(steps, rows);
  for (const [i, step] of steps.entries()) await step.afterCommit?.(rows[i]!);
  return { written: rows.length, first: rows[0] };
}

/** One publish per feed, each with its mutations in queue order. */
async function publish(steps: readonly Step[], rows: readonly Row[]): Promise<void> {
  const byFeed = new Map<MutationFeed, Mutation[]>();
  steps.forEach((step, i) => {
    let list = byFeed.get(step.feed);
    if (!list) byFeed.set(step.feed, (list = []));
    list.push(step.mutation(rows[i]!));
  });
  for (const [feed, mutations] of byFeed) await feed.publish(mutations);
}

export function createUnitOfWork<TTables extends DataTables>(
  save: (operations: readonly Operation<TTables>[], actor: DataActor | undefined) => Promise<Saved>,
  served: ReadonlySet<string>,
  actor: DataActor | undefined,
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
      const { written } = await save(queue, actor);
      queue = [];
      return { written };
    },
  };
  return uow;
}
