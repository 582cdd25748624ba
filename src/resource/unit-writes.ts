/**
 * The write port's implementation (`ResourceHandle.writer`, see extension.ts): the write steps of
 * the REST endpoints, split where a unit of work needs them split. Everything asynchronous —
 * access, loading the target, hooks, validation — runs in `prepare`, before the caller's
 * transaction, so one body serves the synchronous driver too (see transaction.ts); inside it run
 * only the statements and the scope's check of the stored row; publishing and `onAfter*` hooks
 * are left to the caller, after its commit.
 */
import type { Context } from "hono";
import type { CovaraEnv } from "../kernel/http";
import type { MutationOp } from "../kernel/mutations";
import { resolveAccess, type Access } from "./access";
import { runPlannedWrite, writeFailure, type PlannedWrite } from "./atomic";
import { plannedCompanionRows, prepareCompanionRows } from "./companion-writes";
import type { PreparedWrite, ResourceWrite, ResourceWriter } from "./extension";
import { hookContext } from "./runtime";
import type { AnyRuntime } from "./runtime-types";
import { insertRows } from "./transaction";
import type { ResourceOperation } from "./types";
import {
  loadTarget,
  missingRowProblem,
  prepareCreate,
  prepareUpdate,
  readAccessOf,
  shapeInput,
  softDeleteValues,
  storedRowCheck,
  writeCondition,
  type Row,
} from "./write-steps";

/** A planned write and what to do after it committed. */
function prepared(
  runtime: AnyRuntime,
  op: MutationOp,
  planned: PlannedWrite,
  after: ((row: Row) => unknown) | undefined,
): PreparedWrite {
  const { info } = runtime;
  return {
    resource: info.name,
    *run(tx) {
      const row = yield* runPlannedWrite(tx, info, planned);
      // Extensions' companion rows (a search outbox entry) commit or roll back with the row.
      yield* insertRows(tx, plannedCompanionRows(info, [planned], [row]));
      return row;
    },
    failure: (error) => writeFailure(info, error),
    feed: runtime.app.mutations,
    mutation: (row) => ({ resource: info.name, op, id: row[info.idKey] as string | number, row, db: info.db }),
    async afterCommit(row) {
      await after?.(row);
    },
  };
}

/** Prepares writes of `runtime`'s resource for the acting request `c`. */
export function createWriter(runtime: AnyRuntime, c: Context<CovaraEnv>): ResourceWriter {
  const { info, config } = runtime;
  const hooks = config.hooks;
  // Resolved once per kind, as a REST batch resolves its access once per request.
  const granted = new Map<ResourceOperation, Promise<Access>>();
  const accessFor = (operation: ResourceOperation) => {
    let access = granted.get(operation);
    if (!access) granted.set(operation, (access = resolveAccess(operation, c, config.auth, runtime.scopes, info)));
    return access;
  };
  let read: Promise<Access | null> | undefined;

  async function prepareWrite(write: ResourceWrite): Promise<PreparedWrite> {
    if (write.op === "create") {
      const access = await accessFor("create");
      const ctx = hookContext(runtime, c, "create", access.user);
      const values = await prepareCreate(runtime, ctx, shapeInput(runtime, { ...write.values }));
      const planned: PlannedWrite = { kind: "insert", values, check: storedRowCheck(access, info) };
      await prepareCompanionRows(info, [planned]);
      const after = hooks?.onAfterCreate ? (row: Row) => hooks.onAfterCreate?.(ctx, row) : undefined;
      return prepared(runtime, "create", planned, after);
    }
    const access = await accessFor(write.op);
    const readAccess = await (read ??= readAccessOf(runtime, c));
    const target = await loadTarget(runtime, c, access, write.op, String(write.id), readAccess);
    const { where, expected } = writeCondition(info, target, access, undefined);
    const onMissing = () => missingRowProblem(info, target, expected);
    let planned: PlannedWrite;
    let after: ((row: Row) => unknown) | undefined;
    if (write.op === "update") {
      const ctx = hookContext(runtime, c, "update", access.user);
      const values = await prepareUpdate(runtime, ctx, target, shapeInput(runtime, { ...write.changes }), "update");
      const check = storedRowCheck(access, info, undefined, "update");
      planned = { kind: "update", id: target.id, values, where, onMissing, check };
      if (hooks?.onAfterUpdate) after = (row) => hooks.onAfterUpdate?.(ctx, row, target.existing);
    } else {
      const ctx = hookContext(runtime, c, "delete", access.user);
      await hooks?.onBeforeDelete?.(ctx, target.id as string | number, target.existing);
      const mark = softDeleteValues(info);
      planned =
        mark === null
          ? { kind: "delete", where, onMissing }
          : { kind: "update", id: target.id, values: mark, where, onMissing };
      if (hooks?.onAfterDelete) after = (row) => hooks.onAfterDelete?.(ctx, row);
    }
    await prepareCompanionRows(info, [planned]);
    return prepared(runtime, write.op, planned, after);
  }

  return { prepare: prepareWrite };
}
