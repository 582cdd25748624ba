/**
 * What the RSQL kernel needs to know about a Drizzle column: which kind of value it holds, how
 * values must be shaped to compare the same in SQL and in memory, and whether it can be filtered.
 */
import type { Column } from "drizzle-orm";

/** The value families filters understand; `other` is a custom type compared as-is. */
export type ColumnKind = "string" | "number" | "bigint" | "boolean" | "date" | "other";

export interface ColumnInfo {
  kind: ColumnKind;
  /** Postgres only: compare through `::text` (enums, inet, time, ...), as memory compares strings. */
  pgTextCast: boolean;
  /** Postgres `uuid`: values must be UUIDs (else Postgres raises) and compare lowercased. */
  uuid: boolean;
  /** Inclusive bounds for integer columns; a fractional or out-of-range value is refused. */
  integer?: { min: number; max: number } | undefined;
  /** Inclusive bounds for bigint columns. */
  bigint?: { min: bigint; max: bigint } | undefined;
  /** Rounds a Date to what the column stores, so memory sees the value SQL compares with. */
  truncateDate?: ((date: Date) => Date) | undefined;
}

const INT16 = { min: -32768, max: 32767 };
const INT32 = { min: -2147483648, max: 2147483647 };
const SAFE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const INTEGER_RANGES: Record<string, { min: number; max: number }> = {
  PgSmallInt: INT16,
  PgSmallSerial: INT16,
  PgInteger: INT32,
  PgSerial: INT32,
  PgBigInt53: SAFE,
  PgBigSerial53: SAFE,
  SQLiteInteger: SAFE,
};

/** Columns Postgres compares natively as text; other string-mode types are cast to text. */
const PG_TEXT_TYPES = new Set(["PgText", "PgVarchar", "PgChar", "PgUUID"]);
/** Strings drizzle hands back for numeric columns; memory compares them as numbers. */
const NUMERIC_TEXT_TYPES = new Set(["PgNumeric", "SQLiteNumeric"]);
const BIGINT_TYPES = new Set(["PgBigInt64", "PgBigSerial64", "PgNumericBigInt", "SQLiteNumericBigInt"]);

const DAY_MS = 86_400_000;

function dateTruncation(column: Column): ((date: Date) => Date) | undefined {
  if (column.columnType === "PgDate") {
    // Postgres reads an ISO datetime into a `date` by dropping the time.
    return (d) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
  }
  // Postgres timestamps keep the parameter's milliseconds: a parameter carries no precision typmod.
  if (column.columnType === "PgTimestamp") return undefined;
  // Anything else (SQLite integer timestamps in seconds or ms): round-trip through the column's
  // own driver mapping, which is exactly what the stored value went through.
  return (d) => {
    const stored = column.mapFromDriverValue(column.mapToDriverValue(d));
    return stored instanceof Date ? stored : d;
  };
}

const described = new WeakMap<Column, ColumnInfo | string>();

/**
 * Classifies a column for filtering; returns a reason string when filtering on it is refused
 * (json, blobs, arrays, ...), because neither dialect compares those meaningfully. Cached per
 * column: coercion and compilation ask for every comparison.
 */
export function describeColumn(column: Column): ColumnInfo | string {
  let info = described.get(column);
  if (info === undefined) {
    info = classifyColumn(column);
    if (typeof info === "object") Object.freeze(info);
    described.set(column, info);
  }
  return info;
}

function classifyColumn(column: Column): ColumnInfo | string {
  const { dataType, columnType } = column;
  const base: ColumnInfo = { kind: "other", pgTextCast: false, uuid: false };
  switch (dataType) {
    case "string":
      if (NUMERIC_TEXT_TYPES.has(columnType)) return { ...base, kind: "number" };
      return {
        ...base,
        kind: "string",
        pgTextCast: !PG_TEXT_TYPES.has(columnType),
        uuid: columnType === "PgUUID",
      };
    case "number":
      return { ...base, kind: "number", integer: INTEGER_RANGES[columnType] };
    case "bigint":
      if (!BIGINT_TYPES.has(columnType)) return `${dataType} (${columnType})`;
      return { ...base, kind: "bigint", bigint: INT64 };
    case "boolean":
      return { ...base, kind: "boolean" };
    case "date":
      return { ...base, kind: "date", truncateDate: dateTruncation(column) };
    case "custom":
      return base;
    default:
      return dataType;
  }
}
