/**
 * Soft delete: DELETE marks the row (a timestamp or boolean column) instead of removing it, and
 * every read — list, get, count, aggregate — hides marked rows unless `?withDeleted=true`. Writes
 * never touch a deleted row: to them it does not exist.
 */
import { and, eq, isNull, type SQL } from "drizzle-orm";
import type { TableInfo } from "./table-info";

/** The condition "not deleted", or undefined when the resource has no soft delete. */
export function liveRows(info: TableInfo): SQL | undefined {
  if (info.softDeleteKey === null) return undefined;
  const column = info.columns[info.softDeleteKey]!;
  return column.dataType === "boolean" ? eq(column, false) : isNull(column);
}

/** Whether a row in memory is visible to reads (not soft-deleted); SQLite may hand a boolean mark back as 1. */
export function isLiveRow(info: TableInfo, row: Record<string, unknown>): boolean {
  if (info.softDeleteKey === null) return true;
  const mark = row[info.softDeleteKey];
  return info.columns[info.softDeleteKey]!.dataType === "boolean"
    ? mark !== true && mark !== 1
    : mark === null || mark === undefined;
}

/** The values that mark a row deleted. */
export function deletionMark(info: TableInfo): Record<string, unknown> {
  const column = info.columns[info.softDeleteKey!]!;
  return { [info.softDeleteKey!]: column.dataType === "boolean" ? true : new Date() };
}

/** `live AND condition`, skipping what is absent. */
export function withLive(info: TableInfo, condition: SQL | undefined, includeDeleted = false): SQL | undefined {
  const live = includeDeleted ? undefined : liveRows(info);
  if (!live) return condition;
  return condition ? and(live, condition) : live;
}
