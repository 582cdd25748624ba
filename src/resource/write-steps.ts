/**
 * The per-row steps every write shares, single or batched: shaping and validating input, running
 * hooks, checking scopes against the row as it is and as it would become, and the WHERE clause
 * (id, scope, expected version, not deleted) that makes the write itself refuse a row that changed
 * concurrently.
 */
import { and, type SQL, type Table } from "drizzle-orm";
import type { Context } from "hono";
import { type ProblemError, problems } from "../kernel/errors";
import { accessOrNull, type Access } from "./access";
import { etagOf, expectedVersion, nextVersion, preconditionFailed, versionCondition } from "./etag";
import { byId, findRow } from "./queries";
import { parseId } from "./rows";
import type { ResourceRuntime } from "./runtime";
import { deletionMark, withLive } from "./soft-delete";
import type { TableInfo } from "./table-info";
import type { HookContext, InsertRow, SelectRow } from "./types";
import type { CovaraEnv } from "../kernel/http";
import { validateRow } from "./validation";
import type { StoredRowCheck } from "./write-plan";
import { shapeWriteInput } from "./write-input";

export type Row = Record<string, unknown>;

export interface Target {
  id: string | number | bigint;
  idText: string;
  existing: Row;
}

export function outsideScope(operation: string, name: string): ProblemError {
  return problems.forbidden(`This ${operation} of ${name} is outside your permitted scope`);
}

/** The ETag response header of a written row, when optimistic locking is on. */
export function etagHeader(info: TableInfo, row: Row): Record<string, string> {
  return info.versionKey === null ? {} : { etag: etagOf(row[info.versionKey]) };
}

/** The headers of a 201: where the created row lives, and its ETag when optimistic locking is on. */
export function createdHeaders(c: Context<CovaraEnv>, info: TableInfo, row: Row): Record<string, string> {
  const location = `${c.req.path.replace(/\/$/, "")}/${encodeURIComponent(String(row[info.idKey]))}`;
  return { location, ...etagHeader(info, row) };
}

/** `version = version + 1` when optimistic locking is on. */
export function versionBump(info: TableInfo): Row {
  return info.versionKey === null ? {} : { [info.versionKey]: nextVersion(info.columns[info.versionKey]!) };
}

/** What a delete writes: nothing for a hard delete, the mark (and version) for a soft one. */
export function softDeleteValues(info: TableInfo): Row | null {
  return info.softDeleteKey === null ? null : { ...deletionMark(info), ...versionBump(info) };
}

/** Applies strictInput and the writable allowlist to one body object. */
export function shapeInput<TTable extends Table>(runtime: ResourceRuntime<TTable>, body: Row): Row {
  return shapeWriteInput(body, runtime.info, runtime.config.strictInput === true);
}

/**
 * The create or update scope's check of a row as stored (defaults, generated keys, foreign keys
 * and whatever triggers set, as PostgreSQL's RLS `WITH CHECK` sees it), run inside the write's
 * transaction so that a refusal rolls the write back; undefined when the scope admits every row.
 */
export function storedRowCheck(
  access: Access,
  info: TableInfo,
  tag: (error: ProblemError) => ProblemError = (e) => e,
  operation: "create" | "update" = "create",
): StoredRowCheck | undefined {
  if (access.scope.kind !== "filter") return undefined;
  const refusal = () => tag(outsideScope(operation, info.name));
  return {
    info,
    where: access.where,
    refusal,
    check(stored) {
      if (!access.allows(stored)) throw refusal();
    },
  };
}

/**
 * Validated and hooked data of a new row, ready to insert; its create scope is checked on the
 * stored row (storedRowCheck). `deferred` names columns filled only inside the transaction (a
 * nested row's foreign key), with placeholder values that stand in for completeness checks;
 * they are left out of the result.
 */
export async function prepareCreate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  ctx: HookContext<TTable>,
  input: Row,
  deferred?: Row,
): Promise<Row> {
  const { info, config, schemas } = runtime;
  // Types of what the client sent are checked before hooks; completeness after them, because a
  // hook may fill required columns.
  let data = validateRow(schemas.update, input);
  for (const [key, generate] of Object.entries(config.generatedFields ?? {})) {
    if (data[key] === undefined && typeof generate === "function") data[key] = await generate(ctx);
  }
  const replaced = await config.hooks?.onBeforeCreate?.(ctx, data as Partial<InsertRow<TTable>>);
  if (replaced) data = replaced as Row;
  if (deferred) {
    const complete = validateRow(schemas.create, { ...data, ...deferred });
    for (const key of Object.keys(deferred)) delete complete[key];
    data = complete;
  } else {
    data = validateRow(schemas.create, data);
  }
  if (info.versionKey !== null) data[info.versionKey] = 1;
  return data;
}

/** The caller's read access, or null when they may write but not read (a batch resolves it once). */
export function readAccessOf<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
): Promise<Access | null> {
  return accessOrNull("read", c, runtime.config.auth, runtime.scopes, runtime.info);
}

/**
 * Loads the row a write targets: 404 outside the read scope (or deleted), 403 outside the write
 * scope. `read` is the caller's read access when already resolved (batches resolve it once).
 */
export async function loadTarget<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  write: Access,
  operation: "update" | "delete",
  idText: string,
  read?: Access | null,
): Promise<Target> {
  const { info } = runtime;
  // A user who may write but not read still only touches rows inside the write scope.
  const readAccess = read === undefined ? await readAccessOf(runtime, c) : read;
  const id = parseId(idText, info);
  const existing = await findRow(info, byId(info, id, withLive(info, readAccess?.where)));
  return checkTarget(info, write, operation, { id, idText, existing }, readAccess);
}

/**
 * The checks of `loadTarget` on a row already read with the read scope's condition (or without
 * one, when `readableWithoutCondition` says the scope adds none).
 */
export function checkTarget(
  info: TableInfo,
  write: Access,
  operation: "update" | "delete",
  found: { id: Target["id"]; idText: string; existing: Row | undefined },
  readAccess: Access | null,
): Target {
  const { id, idText, existing } = found;
  if (!existing || (readAccess === null && !write.allows(existing))) throw problems.notFound(info.name, idText);
  if (!write.allows(existing)) throw outsideScope(operation, info.name);
  return { id, idText, existing };
}

/** True when reading under `readAccess` adds no condition, so an unscoped read of a live row is the same read. */
export function readableWithoutCondition(readAccess: Access | null): boolean {
  return readAccess === null || readAccess.where === undefined;
}

/**
 * The version a conditional write must still find (If-Match), and the WHERE clause enforcing it
 * together with the id, the scope and liveness.
 */
export function writeCondition(
  info: TableInfo,
  target: Target,
  access: Access,
  ifMatch: string | undefined,
): { expected: unknown; where: SQL } {
  const expected =
    info.versionKey === null
      ? undefined
      : expectedVersion(ifMatch, target.existing, { versionField: info.versionKey }, info.name, target.idText);
  const guard =
    expected === undefined
      ? access.where
      : and(access.where, versionCondition(info.columns[info.versionKey!]!, expected));
  return { expected, where: byId(info, target.id, withLive(info, guard)) };
}

/**
 * Validated and hooked change set of an update or replacement. Its update scope is checked on
 * the stored row (storedRowCheck with "update"), not on the existing row merged with the change:
 * a trigger or a database default may store something else.
 */
export async function prepareUpdate<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  ctx: HookContext<TTable>,
  target: Target,
  input: Row,
  mode: "update" | "replace",
): Promise<Row> {
  const { info, config, schemas } = runtime;
  const { existing } = target;
  if (info.idKey in input && String(input[info.idKey]) !== String(existing[info.idKey])) {
    throw problems.validation(`'${info.idKey}' cannot be changed`, [
      { path: info.idKey, message: "The id is immutable" },
    ]);
  }
  delete input[info.idKey];
  const base = mode === "replace" ? { [info.idKey]: existing[info.idKey] } : {};
  let data = validateRow(mode === "replace" ? schemas.create : schemas.update, { ...base, ...input });
  delete data[info.idKey];
  if (mode === "replace") {
    // A replacement resets every client-writable nullable column it does not mention.
    for (const [key, column] of Object.entries(info.columns)) {
      const writable = info.writable === null || info.writable.has(key);
      if (!(key in data) && writable && !column.notNull && key !== info.idKey && !info.generated.has(key))
        data[key] = null;
    }
  }
  const replaced = await config.hooks?.onBeforeUpdate?.(
    ctx,
    target.id as string | number,
    data as Partial<InsertRow<TTable>>,
    existing as SelectRow<TTable>,
  );
  if (replaced) data = validateRow(schemas.update, replaced as Row);
  return { ...data, ...versionBump(info) };
}

/** Why a write matched no row: it lost a race against another writer (412) or the row is gone (404). */
export async function missingRowProblem(info: TableInfo, target: Target, expected: unknown): Promise<ProblemError> {
  if (expected !== undefined && (await findRow(info, byId(info, target.id, withLive(info, undefined))))) {
    return preconditionFailed(info.name, target.idText);
  }
  return problems.notFound(info.name, target.idText);
}
