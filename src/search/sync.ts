/**
 * Keeping an external index in line with the table: apply committed mutations, re-sync rows by id
 * from their current state (the outbox's idempotent step), and rebuild from every live row.
 */
import { asc, gt, inArray } from "drizzle-orm";
import type { Mutation } from "../kernel/mutations";
import type { ResourceHandle } from "../resource/extension";
import { documentOf } from "./text";
import type { ExternalSearchIndex, SearchDocument, SearchTarget } from "./types";

/** What syncing needs: the resource, its index target and the index. */
export interface SyncContext {
  resource: ResourceHandle;
  target: SearchTarget;
  index: ExternalSearchIndex;
}

const REBUILD_CHUNK = 500;

/** The columns a document and the liveness check need. */
function documentColumns(ctx: SyncContext): string[] {
  const { info } = ctx.resource;
  const { target } = ctx;
  const columns = new Set([info.idKey, ...Object.keys(target.fields)]);
  if (info.softDeleteKey !== null) columns.add(info.softDeleteKey);
  return [...columns];
}

/** A primary key from its text form, or undefined when it cannot be one. */
export function idFromText(resource: ResourceHandle, text: string): string | number | bigint | undefined {
  try {
    return resource.parseId(text);
  } catch {
    return undefined;
  }
}

/**
 * Brings the index in line with the current state of these rows: live rows are indexed, missing
 * or deleted ones removed. Running it twice changes nothing, which makes outbox delivery safe to
 * repeat.
 */
export async function syncRows(ctx: SyncContext, ids: readonly string[]): Promise<void> {
  const { resource, target, index } = ctx;
  const { info } = resource;
  const unique = [...new Set(ids)];
  const keys = unique.map((id) => idFromText(resource, id)).filter((id) => id !== undefined);
  const rows =
    keys.length === 0
      ? []
      : await resource.selectRows({ columns: documentColumns(ctx), where: inArray(info.idColumn, keys) });
  const live = rows.filter((row) => resource.isLive(row));
  const indexed = new Set(live.map((row) => String(row[info.idKey])));
  await index.upsert(live.map((row) => documentOf(target, row)));
  await index.remove(unique.filter((id) => !indexed.has(id)));
}

/** Applies committed mutations of the resource; the last write of a row wins. */
export async function applyMutations(ctx: SyncContext, mutations: readonly Mutation[]): Promise<void> {
  const { resource, target, index } = ctx;
  const upserts = new Map<string, SearchDocument>();
  const removals = new Set<string>();
  const reread = new Set<string>();
  for (const mutation of mutations) {
    const id = String(mutation.id);
    upserts.delete(id);
    removals.delete(id);
    reread.delete(id);
    // A write from outside the resource layer carries no row: read its current state.
    if (mutation.row === undefined) reread.add(id);
    else if (mutation.op !== "delete" && resource.isLive(mutation.row))
      upserts.set(id, documentOf(target, mutation.row));
    else removals.add(id);
  }
  await index.upsert([...upserts.values()]);
  await index.remove([...removals]);
  if (reread.size > 0) await syncRows(ctx, [...reread]);
}

/** Indexes every live row of the table, in key order, a chunk at a time. */
export async function rebuildIndex(ctx: SyncContext): Promise<number> {
  const { resource, target, index } = ctx;
  const { info } = resource;
  const columns = documentColumns(ctx);
  let after: unknown;
  let count = 0;
  for (;;) {
    const where = resource.liveWhere(after === undefined ? undefined : gt(info.idColumn, after));
    const rows = await resource.selectRows({ columns, where, orderBy: [asc(info.idColumn)], limit: REBUILD_CHUNK });
    await index.upsert(rows.map((row) => documentOf(target, row)));
    count += rows.length;
    if (rows.length < REBUILD_CHUNK) return count;
    after = rows[rows.length - 1]![info.idKey];
  }
}
