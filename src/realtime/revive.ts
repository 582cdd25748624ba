/**
 * Rows travel through the changelog as JSON. On the way in, bigints become strings (JSON cannot
 * carry them); on the way out, each column gets its type back (dates, bigints), so filters,
 * computed fields and presentation see the same values as a row read from the database.
 */
import type { TableInfo } from "../resource/extension";

type Row = Record<string, unknown>;

/** A stored row in a form JSON.stringify accepts (Dates serialise themselves). */
export function toChangelogData(row: Row): Row {
  let copy: Row | undefined;
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === "bigint") {
      copy ??= { ...row };
      copy[key] = value.toString();
    }
  }
  return copy ?? row;
}

/** A row read back from the changelog, with each column's value in the column's type. */
export function reviveRow(info: TableInfo, data: Row): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(data)) {
    const column = Object.hasOwn(info.columns, key) ? info.columns[key] : undefined;
    row[key] = column === undefined || value === null ? value : reviveValue(column.dataType, value);
  }
  return row;
}

function reviveValue(dataType: string, value: unknown): unknown {
  if (dataType === "date" && (typeof value === "string" || typeof value === "number")) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date;
  }
  if (dataType === "bigint" && (typeof value === "string" || typeof value === "number")) {
    try {
      return BigInt(value);
    } catch {
      return value;
    }
  }
  return value;
}
