/**
 * Row-level helpers shared by the handlers: id parsing, read masking, JSON responses.
 */
import "./problems";
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import { toJson } from "../kernel/json";
import type { TableInfo } from "./table-info";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidId(info: TableInfo, text: string, expected: string): ProblemError {
  const shown = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return new ProblemError("invalid-id", {
    detail: `'${shown}' is not a valid ${info.name} id (expected ${expected})`,
    extensions: { resource: info.name, id: shown },
  });
}

/** Turns the `:id` path segment into a value of the primary key's type, or a 400 `invalid-id`. */
export function parseId(text: string, info: TableInfo): string | number | bigint {
  const column = info.idColumn;
  if (column.dataType === "number") {
    if (!/^-?\d{1,15}$/.test(text)) throw invalidId(info, text, "an integer");
    return Number(text);
  }
  if (column.dataType === "bigint") {
    if (!/^-?\d{1,19}$/.test(text)) throw invalidId(info, text, "an integer");
    return BigInt(text);
  }
  if (column.columnType === "PgUUID" && !UUID.test(text)) throw invalidId(info, text, "a UUID");
  if (text.length === 0 || text.length > 512) throw invalidId(info, text, "1 to 512 characters");
  return text;
}

/**
 * Removes every column the client may not read, and narrows to `select` when given. Applied after
 * projection on every response, so neither `select` nor any later stage can reveal a hidden column.
 */
export function maskRow(
  row: Record<string, unknown>,
  info: TableInfo,
  select: readonly string[] | null = null,
): Record<string, unknown> {
  const keys = select ?? (info.readable.size === Object.keys(info.columns).length ? null : info.readable);
  if (keys === null) {
    // Every column is readable: only non-column keys the query did not ask for could differ.
    return row;
  }
  const masked: Record<string, unknown> = {};
  for (const key of keys) {
    if (key in row && info.readable.has(key)) masked[key] = row[key];
  }
  return masked;
}

/** JSON response that also serialises bigint columns (as strings). */
export function sendJson(c: Context, body: unknown, status = 200, headers?: Record<string, string>): Response {
  return c.body(toJson(body), status as 200, { ...headers, "content-type": "application/json" });
}
