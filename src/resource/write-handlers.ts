/**
 * Write handlers: create, update (PATCH), replace (PUT) and delete. Each checks the operation's
 * scope against the row as it is and as it would be, then writes with the scope in the WHERE clause
 * too, so a row that changes concurrently cannot slip outside it. A refused write changes nothing.
 */
import { and, type Table } from "drizzle-orm";
import type { Context } from "hono";
import { ProblemError, problems } from "../kernel/errors";
import { readJsonObject } from "./body";
import { resolveAccess, type Access } from "./access";
import { etagOf, expectedVersion, nextVersion, preconditionFailed, versionCondition } from "./etag";
import { byId, deleteRows, findRow, insertRow, updateRows } from "./queries";
import { maskRow, parseId, sendJson } from "./rows";
import { deletionMark, withLive } from "./soft-delete";
import { hookContext, type ResourceRuntime } from "./runtime";
import type { TableInfo } from "./table-info";
import type { CovaraEnv, InsertRow, SelectRow } from "./types";
import { validateRow } from "./validation";
import { shapeWriteInput } from "./write-input";

type Row = Record<string, unknown>;

/** The ETag response header of a written row, when optimistic locking is on. */
function etagHeader(info: TableInfo, row: Row): Record<string, string> {
  return info.versionKey === null ? {} : { etag: etagOf(row[info.versionKey]) };
}

/**
 * The version a conditional write must still find (If-Match), and the WHERE clause enforcing it
 * together with the id and the scope.
 */
function writeCondition<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>, target: Target, access: Access) {
  const { info } = runtime;
  const expected =
    info.versionKey === null
      ? undefined
      : expectedVersion(c.req.header("if-match"), target.existing, { versionField: info.versionKey }, info.name, target.idText);
  const guard = expected === undefined ? access.where : and(access.where, versionCondition(info.columns[info.versionKey!]!, expected));
  return { expected, where: byId(info, target.id, withLive(info, guard)) };
}

/** `version = version + 1` when optimistic locking is on. */
function versionBump(info: TableInfo): Row {
  return info.versionKey === null ? {} : { [info.versionKey]: nextVersion(info.columns[info.versionKey]!) };
}

/** A write that matched no row: lost a race against another writer (412) or the row is gone (404). */
async function nothingWritten<TTable extends Table>(runtime: ResourceRuntime<TTable>, target: Target, expected: unknown): Promise<never> {
  const { info } = runtime;
  if (expected !== undefined && (await findRow(info, byId(info, target.id, withLive(info, undefined))))) throw preconditionFailed(info.name, target.idText);
  throw problems.notFound(info.name, target.idText);
}

function outsideScope(operation: string, name: string): ProblemError {
  return problems.forbidden(`This ${operation} of ${name} is outside your permitted scope`);
}

async function readWriteBody<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>): Promise<Row> {
  const body = await readJsonObject(c, runtime.maxBodyBytes);
  return shapeWriteInput(body, runtime.info, runtime.config.strictInput === true);
}

/** POST / — 201 with the created row. */
export async function createRow<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>): Promise<Response> {
  const { info, config, schemas } = runtime;
  const access = await resolveAccess("create", c, config.auth, runtime.scopes, info);
  const input = await readWriteBody(runtime, c);
  const ctx = hookContext(runtime, c, "create", access.user);

  // Types of what the client sent are checked before hooks; completeness after them, because a
  // hook may fill required columns.
  let data = validateRow(schemas.update, input);
  for (const [key, generate] of Object.entries(config.generatedFields ?? {})) {
    if (data[key] === undefined && typeof generate === "function") data[key] = await generate(ctx);
  }
  const replaced = await config.hooks?.onBeforeCreate?.(ctx, data as Partial<InsertRow<TTable>>);
  if (replaced) data = replaced as Row;
  data = validateRow(schemas.create, data);
  if (!access.allows(data)) throw outsideScope("create", info.name);
  if (info.versionKey !== null) data[info.versionKey] = 1;

  let row = (await insertRow(info, data)) as SelectRow<TTable>;
  const after = await config.hooks?.onAfterCreate?.(ctx, row);
  if (after) row = after;
  const id = (row as Row)[info.idKey];
  const location = `${c.req.path.replace(/\/$/, "")}/${encodeURIComponent(String(id))}`;
  return sendJson(c, maskRow(row as Row, info), 201, { location, ...etagHeader(info, row as Row) });
}

/** Loads the row the write targets: 404 outside the read scope, 403 outside the write scope. */
interface Target {
  id: string | number | bigint;
  idText: string;
  existing: Row;
}

async function loadTarget<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  write: Access,
  operation: "update" | "delete",
): Promise<Target> {
  const { info, config } = runtime;
  const read = await resolveAccess("read", c, config.auth, runtime.scopes, info).catch((error: unknown) => {
    // A user who may write but not read still only touches rows inside the write scope.
    if (error instanceof ProblemError && (error.status === 401 || error.status === 403)) return undefined;
    throw error;
  });
  const idText = c.req.param("id")!;
  const id = parseId(idText, info);
  // Soft-deleted rows do not exist for writes.
  const existing = await findRow(info, byId(info, id, withLive(info, read?.where)));
  if (!existing || (read === undefined && !write.allows(existing))) throw problems.notFound(info.name, idText);
  if (!write.allows(existing)) throw outsideScope(operation, info.name);
  return { id, idText, existing };
}

async function writeUpdate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  mode: "update" | "replace",
): Promise<Response> {
  const { info, config, schemas } = runtime;
  const access = await resolveAccess("update", c, config.auth, runtime.scopes, info);
  const target = await loadTarget(runtime, c, access, "update");
  const { id, existing } = target;
  const condition = writeCondition(runtime, c, target, access);
  const input = await readWriteBody(runtime, c);
  if (info.idKey in input && String(input[info.idKey]) !== String(existing[info.idKey])) {
    throw problems.validation(`'${info.idKey}' cannot be changed`, [{ path: info.idKey, message: "The id is immutable" }]);
  }
  delete input[info.idKey];
  const ctx = hookContext(runtime, c, mode, access.user);

  let data = validateRow(mode === "replace" ? schemas.create : schemas.update, { ...(mode === "replace" ? { [info.idKey]: existing[info.idKey] } : {}), ...input });
  delete data[info.idKey];
  if (mode === "replace") {
    // A replacement resets every client-writable nullable column it does not mention.
    for (const [key, column] of Object.entries(info.columns)) {
      const writable = info.writable === null || info.writable.has(key);
      if (!(key in data) && writable && !column.notNull && key !== info.idKey && !info.generated.has(key)) data[key] = null;
    }
  }
  const replaced = await config.hooks?.onBeforeUpdate?.(ctx, id as string | number, data as Partial<InsertRow<TTable>>, existing as SelectRow<TTable>);
  if (replaced) data = validateRow(schemas.update, replaced as Row);
  if (!access.allows({ ...existing, ...data })) throw outsideScope("update", info.name);
  Object.assign(data, versionBump(info));

  const rows = await updateRows(info, data, condition.where);
  if (rows.length === 0) return nothingWritten(runtime, target, condition.expected);
  let row = rows[0] as SelectRow<TTable>;
  const after = await config.hooks?.onAfterUpdate?.(ctx, row, existing as SelectRow<TTable>);
  if (after) row = after;
  return sendJson(c, maskRow(row as Row, info), 200, etagHeader(info, row as Row));
}

/** PATCH /:id — partial update. */
export function patchRow<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>): Promise<Response> {
  return writeUpdate(runtime, c, "update");
}

/** PUT /:id — full replacement of the client-writable columns. */
export function putRow<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>): Promise<Response> {
  return writeUpdate(runtime, c, "replace");
}

/** DELETE /:id — 204 when the row was deleted. */
export async function removeRow<TTable extends Table>(runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>): Promise<Response> {
  const { info, config } = runtime;
  const access = await resolveAccess("delete", c, config.auth, runtime.scopes, info);
  const target = await loadTarget(runtime, c, access, "delete");
  const condition = writeCondition(runtime, c, target, access);
  const ctx = hookContext(runtime, c, "delete", access.user);
  await config.hooks?.onBeforeDelete?.(ctx, target.id as string | number, target.existing as SelectRow<TTable>);
  const rows = info.softDeleteKey === null
    ? await deleteRows(info, condition.where)
    : await updateRows(info, { ...deletionMark(info), ...versionBump(info) }, condition.where);
  if (rows.length === 0) return nothingWritten(runtime, target, condition.expected);
  await config.hooks?.onAfterDelete?.(ctx, rows[0] as SelectRow<TTable>);
  return c.body(null, 204);
}
