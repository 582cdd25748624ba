/**
 * Write handlers: create, update (PATCH), replace (PUT) and delete of one row. The shared steps
 * (validation, hooks, scope checks, the guarded WHERE clause) live in write-steps.ts.
 */
import type { Table } from "drizzle-orm";
import type { Context } from "hono";
import { readJsonObject } from "../kernel/body";
import { driverOf } from "../kernel/dialect";
import { runAtomically } from "./atomic";
import { resolveAccess, type Access } from "./access";
import { deleteRows, insertRow, updateRows } from "./queries";
import { createNested } from "./nested/create";
import { hasNestedPayload, planNestedCreate } from "./nested/plan";
import { presentRow } from "./present";
import { publishRows } from "./publish";
import { sendJson } from "./rows";
import { hookContext, type ResourceRuntime } from "./runtime";
import type { SelectRow } from "./types";
import type { CovaraEnv } from "../kernel/http";
import {
  createdHeaders,
  etagHeader,
  loadTarget,
  missingRowProblem,
  prepareCreate,
  prepareUpdate,
  shapeInput,
  softDeleteValues,
  storedRowCheck,
  writeCondition,
  type Row,
} from "./write-steps";

/** POST / — 201 with the created row. */
export async function createRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const access = await resolveAccess("create", c, runtime.config.auth, runtime.scopes, runtime.info);
  const body = await readJsonObject(c, runtime.maxBodyBytes);
  if (hasNestedPayload(runtime, body))
    return createNested(runtime, c, await planNestedCreate(runtime, c, body, access));
  const created = await createOne(runtime, c, access, body);
  return sendJson(c, created.presented, 201, created.headers);
}

/** What createOne made: the stored row (after onAfterCreate), the response row and the 201's headers. */
export interface CreatedRow {
  stored: Row;
  presented: Row;
  headers: Record<string, string>;
}

/**
 * One row through the create path of POST /: input shaping (strictInput, the writable allowlist),
 * generated fields and hooks, validation, the scope check, the insert, the realtime publish and
 * onAfterCreate. `server` holds values the server sets (a file's storage key and size): they are
 * applied after shaping, so the writable allowlist never strips them and the client cannot set them.
 */
export async function createOne<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  access: Access,
  body: Row,
  server: Row = {},
): Promise<CreatedRow> {
  const { info, config } = runtime;
  const input = { ...shapeInput(runtime, body), ...server };
  const ctx = hookContext(runtime, c, "create", access.user);
  const data = await prepareCreate(runtime, ctx, input);

  // A scoped create checks the stored row inside a transaction; an unscoped one needs none.
  const check = storedRowCheck(access, info);
  const stored = check
    ? (await runAtomically(info, [{ kind: "insert", values: data, check }]))[0]!
    : await insertRow(info, data);
  let row = stored as SelectRow<TTable>;
  await publishRows(runtime, "create", [row as Row]);
  const after = await config.hooks?.onAfterCreate?.(ctx, row);
  if (after) row = after;
  return {
    stored: row as Row,
    presented: await presentRow(runtime, row as Row, ctx),
    headers: createdHeaders(c, info, row as Row),
  };
}

async function writeUpdate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  mode: "update" | "replace",
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("update", c, config.auth, runtime.scopes, info);
  const target = await loadTarget(runtime, c, access, "update", c.req.param("id")!);
  const condition = writeCondition(info, target, access, c.req.header("if-match"));
  const input = shapeInput(runtime, await readJsonObject(c, runtime.maxBodyBytes));
  const ctx = hookContext(runtime, c, mode, access.user);
  const data = await prepareUpdate(runtime, ctx, target, input, mode);

  // A scoped update checks the stored row inside a transaction; an unscoped one needs none.
  const check = storedRowCheck(access, info, undefined, "update");
  const onMissing = () => missingRowProblem(info, target, condition.expected);
  let rows: Row[];
  if (!check) rows = await updateRows(info, data, condition.where);
  else if (driverOf(info.db).transactions === "none") {
    // No interactive transaction to read the stored row back in (Neon HTTP, D1): the change is
    // checked merged with the row, which is what is stored unless a trigger changes it.
    check.check({ ...target.existing, ...data });
    rows = await updateRows(info, data, condition.where);
  } else
    rows = await runAtomically(info, [
      { kind: "update", id: target.id, values: data, where: condition.where, onMissing, check },
    ]);
  if (rows.length === 0) throw await onMissing();
  await publishRows(runtime, "update", rows);
  let row = rows[0] as SelectRow<TTable>;
  const after = await config.hooks?.onAfterUpdate?.(ctx, row, target.existing as SelectRow<TTable>);
  if (after) row = after;
  return sendJson(c, await presentRow(runtime, row as Row, ctx), 200, etagHeader(info, row as Row));
}

/** PATCH /:id — partial update. */
export function patchRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  return writeUpdate(runtime, c, "update");
}

/** PUT /:id — full replacement of the client-writable columns. */
export function putRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  return writeUpdate(runtime, c, "replace");
}

/** DELETE /:id — 204 when the row was deleted (or marked deleted). */
export async function removeRow<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("delete", c, config.auth, runtime.scopes, info);
  const target = await loadTarget(runtime, c, access, "delete", c.req.param("id")!);
  const condition = writeCondition(info, target, access, c.req.header("if-match"));
  const ctx = hookContext(runtime, c, "delete", access.user);
  await config.hooks?.onBeforeDelete?.(ctx, target.id as string | number, target.existing as SelectRow<TTable>);
  const mark = softDeleteValues(info);
  const rows = mark === null ? await deleteRows(info, condition.where) : await updateRows(info, mark, condition.where);
  if (rows.length === 0) throw await missingRowProblem(info, target, condition.expected);
  await publishRows(runtime, "delete", rows);
  await config.hooks?.onAfterDelete?.(ctx, rows[0] as SelectRow<TTable>);
  return c.body(null, 204);
}
