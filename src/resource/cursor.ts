/**
 * Keyset cursors. A cursor holds the values of the order keys of the last row of a page; the next
 * page is the rows strictly after it in the (order keys..., id) ordering, so inserts between pages
 * never shift or repeat rows. Nulls sort first ascending and last descending on every dialect.
 *
 * The cursor is opaque (base64url JSON) and carries a checksum over its values and the ordering it
 * was made for: a tampered cursor, or one reused with another orderBy, is `cursor-invalid`. The
 * checksum is for integrity, not secrecy: forging a position reveals nothing a filter could not.
 */
import "./problems";
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, sql, type Column, type SQL } from "drizzle-orm";
import { ProblemError } from "../kernel/errors";
import type { Dialect } from "../kernel/dialect";

export interface OrderKey {
  field: string;
  column: Column;
  direction: "asc" | "desc";
}

type CursorValue = string | number | boolean | null | { $d: string } | { $b: string };

function invalid(detail: string): ProblemError {
  return new ProblemError("cursor-invalid", { detail, extensions: { parameter: "cursor" } });
}

/** FNV-1a, enough to notice an edited cursor. */
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

function signature(order: readonly OrderKey[]): string {
  return order.map((key) => `${key.field}:${key.direction}`).join(",");
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function toBase64Url(text: string): string {
  // ASCII text is its own UTF-8 encoding: btoa takes it as is (the usual case, numeric keys).
  if (isAscii(text)) return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw invalid("The cursor is not valid base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

function encodeValue(value: unknown): CursorValue {
  if (value instanceof Date) return { $d: value.toISOString() };
  if (typeof value === "bigint") return { $b: value.toString() };
  if (value === undefined) return null;
  return value as CursorValue;
}

/** The cursor pointing just after `row` in the given ordering. */
export function encodeCursor(row: Record<string, unknown>, order: readonly OrderKey[]): string {
  const values = order.map((key) => encodeValue(row[key.field]));
  const body = JSON.stringify(values);
  return toBase64Url(JSON.stringify({ v: values, c: checksum(signature(order) + body) }));
}

/** Checks a decoded value against its column's type and turns it back into a driver value. */
function decodeValue(raw: unknown, key: OrderKey): unknown {
  if (raw === null) {
    if (key.column.notNull) throw invalid(`The cursor holds null for non-null field '${key.field}'`);
    return null;
  }
  switch (key.column.dataType) {
    case "date": {
      const iso = (raw as { $d?: unknown }).$d;
      const date = typeof iso === "string" ? new Date(iso) : new Date(Number.NaN);
      if (Number.isNaN(date.getTime())) throw invalid(`The cursor value for '${key.field}' is not a date`);
      return date;
    }
    case "bigint": {
      const digits = (raw as { $b?: unknown }).$b;
      if (typeof digits !== "string" || !/^-?\d+$/.test(digits))
        throw invalid(`The cursor value for '${key.field}' is not an integer`);
      return BigInt(digits);
    }
    case "number":
      if (typeof raw !== "number" || !Number.isFinite(raw))
        throw invalid(`The cursor value for '${key.field}' is not a number`);
      return raw;
    case "boolean":
      if (typeof raw !== "boolean") throw invalid(`The cursor value for '${key.field}' is not a boolean`);
      return raw;
    default:
      if (typeof raw !== "string") throw invalid(`The cursor value for '${key.field}' is not a string`);
      return raw;
  }
}

/** Decodes and verifies a cursor made for this ordering; any mismatch is `cursor-invalid`. */
export function decodeCursor(cursor: string, order: readonly OrderKey[]): unknown[] {
  if (cursor.length > 4096) throw invalid("The cursor is too long");
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw invalid("The cursor could not be decoded");
  }
  const { v: values, c: sum } = (parsed ?? {}) as { v?: unknown; c?: unknown };
  if (!Array.isArray(values) || typeof sum !== "string") throw invalid("The cursor could not be decoded");
  if (values.length !== order.length || checksum(signature(order) + JSON.stringify(values)) !== sum) {
    throw invalid("The cursor was modified or does not belong to this ordering");
  }
  return values.map((raw, i) => decodeValue(raw, order[i]!));
}

/** ORDER BY terms with explicit null placement, so both dialects page identically. */
export function orderByTerms(order: readonly OrderKey[], dialect: Dialect): SQL[] {
  return order.map(({ column, direction }) => {
    // SQLite already sorts nulls first ascending and last descending; Postgres does the opposite.
    if (column.notNull || dialect === "sqlite") return direction === "asc" ? asc(column) : desc(column);
    return direction === "asc" ? sql`${column} asc nulls first` : sql`${column} desc nulls last`;
  });
}

function sameAs(column: Column, value: unknown): SQL {
  return value === null ? isNull(column) : eq(column, value);
}

/** Rows strictly after `value` in one key's direction, with nulls smallest. */
function after(key: OrderKey, value: unknown): SQL | undefined {
  if (key.direction === "asc") return value === null ? isNotNull(key.column) : gt(key.column, value);
  if (value === null) return undefined; // nothing sorts after null when descending
  return key.column.notNull ? lt(key.column, value) : or(lt(key.column, value), isNull(key.column));
}

/** The keyset condition: rows after the cursor in the lexicographic (key1, key2, ..., id) order. */
export function keysetCondition(order: readonly OrderKey[], values: readonly unknown[]): SQL {
  const branches: SQL[] = [];
  for (let i = 0; i < order.length; i++) {
    const step = after(order[i]!, values[i]);
    if (step === undefined) continue;
    const prefix = order.slice(0, i).map((key, j) => sameAs(key.column, values[j]));
    branches.push(prefix.length === 0 ? step : and(...prefix, step)!);
  }
  return branches.length === 0 ? sql`1 = 0` : or(...branches)!;
}
