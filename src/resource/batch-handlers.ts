/**
 * Batch writes: POST, PATCH and DELETE /batch. Every row goes through the same steps as a single
 * write (allowlists, strictInput, validation, hooks, scopes); the first row that fails stops the
 * batch with its `index`, before anything is written. The writes then run in one transaction:
 * all rows or none.
 */
import "./problems";
import type { Table } from "drizzle-orm";
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import { resolveAccess } from "./access";
import { runAtomically, type PlannedWrite } from "./atomic";
import { readJsonBody } from "../kernel/body";
import { presentRows } from "./present";
import { publishRows } from "./publish";
import { byId, findRow } from "./queries";
import { parseId } from "./rows";
import { withLive } from "./soft-delete";
import { sendJson } from "./rows";
import { hookContext, type ResourceRuntime } from "./runtime";
import type { SelectRow } from "./types";
import type { CovaraEnv } from "../kernel/http";
import {
  checkTarget,
  loadTarget,
  readableWithoutCondition,
  missingRowProblem,
  readAccessOf,
  prepareCreate,
  prepareUpdate,
  shapeInput,
  softDeleteValues,
  storedRowCheck,
  writeCondition,
  type Row,
  type Target,
} from "./write-steps";

export const DEFAULT_BATCH_LIMIT = 100;
type BatchOperation = "create" | "update" | "delete";

function invalidBatch(detail: string): ProblemError {
  return new ProblemError("validation-error", { detail });
}

/** Reads the body as a non-empty array within the configured limit. */
async function readBatch<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  operation: BatchOperation,
): Promise<unknown[]> {
  const body = await readJsonBody(c, runtime.maxBodyBytes);
  if (!Array.isArray(body)) throw invalidBatch("A batch body must be a JSON array");
  if (body.length === 0) throw invalidBatch("A batch must contain at least one item");
  const limit = runtime.config.batch?.[operation] ?? DEFAULT_BATCH_LIMIT;
  if (body.length > limit) {
    throw new ProblemError("batch-limit-exceeded", {
      detail: `A ${operation} batch may hold at most ${limit} items; this one has ${body.length}`,
      extensions: { limit, size: body.length },
    });
  }
  return body;
}

/** Tags a problem with the index of the batch item that caused it. */
function tagIndex<E>(error: E, index: number): E {
  if (error instanceof ProblemError) error.extensions.index = index;
  return error;
}

/** Runs one row's step, tagging its problem with the row's index. */
async function atIndex<T>(index: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw tagIndex(error, index);
  }
}

function asObject(item: unknown): Row {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw invalidBatch("Each batch item must be a JSON object");
  return item as Row;
}

function idText(value: unknown): string {
  if (typeof value !== "string" && typeof value !== "number")
    throw invalidBatch("Each batch item needs an 'id' that is a string or a number");
  return String(value);
}

function refuseDuplicates(ids: string[]): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id))
      throw new ProblemError("validation-error", {
        detail: `The id '${id}' appears twice in the batch`,
        extensions: { index },
      });
    seen.add(id);
  });
}

/** POST /batch — creates every row or none; 201 with the rows. */
export async function batchCreate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("create", c, config.auth, runtime.scopes, info);
  const items = await readBatch(runtime, c, "create");
  const ctx = hookContext(runtime, c, "create", access.user);
  const writes: PlannedWrite[] = [];
  for (const [index, item] of items.entries()) {
    const values = await atIndex(index, () => prepareCreate(runtime, ctx, shapeInput(runtime, asObject(item))));
    writes.push({ kind: "insert", values, check: storedRowCheck(access, info, (error) => tagIndex(error, index)) });
  }
  const rows = await runAtomically(info, writes);
  await publishRows(runtime, "create", rows);
  const out: Row[] = [];
  for (const row of rows)
    out.push(((await config.hooks?.onAfterCreate?.(ctx, row as SelectRow<TTable>)) ?? row) as Row);
  return sendJson(c, { items: await presentRows(runtime, out, ctx) }, 201);
}

/** PATCH /batch — `[{ id, ...changes }]`; updates every row or none. */
export async function batchUpdate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("update", c, config.auth, runtime.scopes, info);
  const items = (await readBatch(runtime, c, "update")).map(asObject);
  const ids = items.map((item) => idText(item[info.idKey] ?? item.id));
  refuseDuplicates(ids);
  const ctx = hookContext(runtime, c, "update", access.user);
  const read = await readAccessOf(runtime, c);
  const writes: PlannedWrite[] = [];
  const targets: Target[] = [];
  for (const [index, item] of items.entries()) {
    await atIndex(index, async () => {
      const target = await loadTarget(runtime, c, access, "update", ids[index]!, read);
      const { where, expected } = writeCondition(info, target, access, undefined);
      const values = await prepareUpdate(runtime, ctx, target, shapeInput(runtime, item), "update");
      targets.push(target);
      const onMissing = async () => tagIndex(await missingRowProblem(info, target, expected), index);
      writes.push({
        kind: "update",
        id: target.id,
        values,
        where,
        onMissing,
        check: storedRowCheck(access, info, (error) => tagIndex(error, index), "update"),
      });
    });
  }
  const rows = await runAtomically(info, writes);
  await publishRows(runtime, "update", rows);
  const out: Row[] = [];
  for (const [i, row] of rows.entries()) {
    out.push(
      ((await config.hooks?.onAfterUpdate?.(
        ctx,
        row as SelectRow<TTable>,
        targets[i]!.existing as SelectRow<TTable>,
      )) ?? row) as Row,
    );
  }
  return sendJson(c, { items: await presentRows(runtime, out, ctx) });
}

/**
 * POST /batch/upsert — rows with their primary key: an existing row (live, visible to the caller)
 * is updated with update semantics and scope, any other is created with create semantics and
 * scope; all in one transaction. A row created concurrently by someone else makes the batch a 409.
 */
export async function batchUpsert<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const items = (await readBatch(runtime, c, "create")).map(asObject);
  const ids = items.map((item) => idText(item[info.idKey]));
  refuseDuplicates(ids);
  // Each access is resolved only if a row needs it, so a caller who may only update can upsert
  // existing rows.
  let create: ReturnType<typeof resolveAccess> | undefined;
  let update: ReturnType<typeof resolveAccess> | undefined;
  let read: ReturnType<typeof readAccessOf> | undefined;
  const user = c.get("user") ?? null;
  const createCtx = hookContext(runtime, c, "create", user);
  const updateCtx = hookContext(runtime, c, "update", user);
  const writes: PlannedWrite[] = [];
  const previous: (Row | undefined)[] = [];
  for (const [index, item] of items.entries()) {
    await atIndex(index, async () => {
      const id = parseId(ids[index]!, info);
      const existing = await findRow(info, byId(info, id, withLive(info, undefined)));
      if (!existing) {
        const access = await (create ??= resolveAccess("create", c, config.auth, runtime.scopes, info));
        const values = await prepareCreate(runtime, createCtx, shapeInput(runtime, item));
        writes.push({ kind: "insert", values, check: storedRowCheck(access, info, (error) => tagIndex(error, index)) });
        previous.push(undefined);
        return;
      }
      const access = await (update ??= resolveAccess("update", c, config.auth, runtime.scopes, info));
      const readAccess = await (read ??= readAccessOf(runtime, c));
      // Without a read condition the row just read is the target; otherwise read it again inside the scope.
      const target = readableWithoutCondition(readAccess)
        ? checkTarget(info, access, "update", { id, idText: ids[index]!, existing }, readAccess)
        : await loadTarget(runtime, c, access, "update", ids[index]!, readAccess);
      const { where, expected } = writeCondition(info, target, access, undefined);
      const values = await prepareUpdate(runtime, updateCtx, target, shapeInput(runtime, item), "update");
      const onMissing = async () => tagIndex(await missingRowProblem(info, target, expected), index);
      writes.push({
        kind: "update",
        id: target.id,
        values,
        where,
        onMissing,
        check: storedRowCheck(access, info, (error) => tagIndex(error, index), "update"),
      });
      previous.push(target.existing);
    });
  }
  const rows = await runAtomically(info, writes);
  await publishRows(
    runtime,
    previous.map((before) => (before === undefined ? "create" : "update")),
    rows,
  );
  const out: Row[] = [];
  for (const [i, row] of rows.entries()) {
    const before = previous[i];
    const after =
      before === undefined
        ? await config.hooks?.onAfterCreate?.(createCtx, row as SelectRow<TTable>)
        : await config.hooks?.onAfterUpdate?.(updateCtx, row as SelectRow<TTable>, before as SelectRow<TTable>);
    out.push((after ?? row) as Row);
  }
  return sendJson(c, { items: await presentRows(runtime, out, updateCtx) });
}

/** DELETE /batch — `[id, ...]`; deletes (or marks) every row or none. */
export async function batchDelete<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("delete", c, config.auth, runtime.scopes, info);
  const ids = (await readBatch(runtime, c, "delete")).map((item) =>
    idText(typeof item === "object" && item !== null ? ((item as Row)[info.idKey] ?? (item as Row).id) : item),
  );
  refuseDuplicates(ids);
  const ctx = hookContext(runtime, c, "delete", access.user);
  const mark = softDeleteValues(info);
  const read = await readAccessOf(runtime, c);
  const writes: PlannedWrite[] = [];
  for (const [index, id] of ids.entries()) {
    await atIndex(index, async () => {
      const target = await loadTarget(runtime, c, access, "delete", id, read);
      const { where, expected } = writeCondition(info, target, access, undefined);
      await config.hooks?.onBeforeDelete?.(ctx, target.id as string | number, target.existing as SelectRow<TTable>);
      const onMissing = async () => tagIndex(await missingRowProblem(info, target, expected), index);
      writes.push(
        mark === null
          ? { kind: "delete", where, onMissing }
          : { kind: "update", id: target.id, values: mark, where, onMissing },
      );
    });
  }
  const rows = await runAtomically(info, writes);
  await publishRows(runtime, "delete", rows);
  for (const row of rows) await config.hooks?.onAfterDelete?.(ctx, row as SelectRow<TTable>);
  return sendJson(c, { deleted: rows.length });
}
