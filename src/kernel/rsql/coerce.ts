/**
 * Value coercion: the single place that decides what a filter value means for a column (or, in
 * memory without columns, for a field value's runtime type). Both the SQL compiler and the
 * evaluator go through it, so they can never disagree about `age=="30"` or `day==2024-01-31`.
 */
import type { Column } from "drizzle-orm";
import type { RsqlComparison, RsqlLiteral, RsqlNode, RsqlValue } from "./ast";
import { type ColumnInfo, type ColumnKind, describeColumn } from "./columns";
import { checkOperatorValue, filterError } from "./filter-error";
import { parseIsoDate, parseLooseNumber } from "./literals";
import { defaultOperators } from "./operators";
import type { FilterScalar, OperatorDefinition, OperatorRegistry } from "./operator-types";
import { getSourceText } from "./parser";

/** Filterable columns keyed by the name filters use (the table's JS property names). */
export type FilterFields = Record<string, Column>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_TEXT = /^[+-]?\d+$/;

export type CoerceResult = { ok: true; value: FilterScalar } | { ok: false; expected: string };

/** Looks a field up without reaching into the prototype (`constructor`, `__proto__`). */
export function lookupField(fields: FilterFields, name: string): Column | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** The kind of a runtime value, for in-memory evaluation without column metadata. */
export function runtimeKind(value: unknown): ColumnKind {
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return typeof value as ColumnKind;
    default:
      return value instanceof Date ? "date" : "other";
  }
}

function toBoolean(value: FilterScalar): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    if (lower === "true" || lower === "1") return true;
    if (lower === "false" || lower === "0") return false;
  }
  return undefined;
}

/**
 * Converts one non-null value to `kind`. `raw` is the unquoted text as typed (so a string column
 * compares `1.50` as "1.50"); `info` adds the column's own rules (integer range, uuid, precision).
 */
export function coerceScalar(kind: ColumnKind, value: FilterScalar, raw?: string, info?: ColumnInfo): CoerceResult {
  switch (kind) {
    case "string": {
      let text: string;
      if (typeof value === "string") text = value;
      else if (value instanceof Date) text = raw ?? value.toISOString();
      else text = raw ?? String(value);
      if (info?.uuid) {
        if (!UUID.test(text)) return { ok: false, expected: "a UUID" };
        text = text.toLowerCase();
      }
      return { ok: true, value: text };
    }
    case "number": {
      let n: number | undefined;
      if (typeof value === "number") n = Number.isFinite(value) ? value : undefined;
      else if (typeof value === "string") n = parseLooseNumber(value);
      else if (typeof value === "bigint") n = Number(value);
      if (n === undefined) return { ok: false, expected: "a number" };
      if (info?.integer) {
        if (!Number.isInteger(n)) return { ok: false, expected: "an integer" };
        if (n < info.integer.min || n > info.integer.max) {
          return { ok: false, expected: `an integer between ${info.integer.min} and ${info.integer.max}` };
        }
      }
      return { ok: true, value: n };
    }
    case "bigint": {
      let b: bigint | undefined;
      if (typeof value === "bigint") b = value;
      // Bare digits beyond 2^53 were rounded when read as a number; the source text is exact.
      else if (typeof value === "number" && raw !== undefined && INTEGER_TEXT.test(raw)) b = BigInt(raw);
      else if (typeof value === "number" && Number.isSafeInteger(value)) b = BigInt(value);
      else if (typeof value === "string" && INTEGER_TEXT.test(value)) b = BigInt(value);
      if (b === undefined) return { ok: false, expected: "an integer" };
      if (info?.bigint && (b < info.bigint.min || b > info.bigint.max)) {
        return { ok: false, expected: "a 64-bit integer" };
      }
      return { ok: true, value: b };
    }
    case "boolean": {
      const b = toBoolean(value);
      return b === undefined ? { ok: false, expected: "a boolean (true or false)" } : { ok: true, value: b };
    }
    case "date": {
      let d: Date | undefined;
      if (value instanceof Date) d = Number.isNaN(value.getTime()) ? undefined : value;
      else if (typeof value === "string") d = parseIsoDate(value);
      if (d === undefined) return { ok: false, expected: "an ISO 8601 date" };
      return { ok: true, value: info?.truncateDate ? info.truncateDate(d) : d };
    }
    case "other":
      return { ok: true, value };
  }
}

/** Brings a row's field value to the column's kind (rows that went through JSON carry date strings). */
export function normalizeFieldValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "date" && typeof value === "string") return parseIsoDate(value) ?? new Date(value);
  if (kind === "number" && typeof value === "string") return parseLooseNumber(value) ?? value;
  if (kind === "boolean" && typeof value === "number") return value !== 0;
  if (kind === "bigint" && (typeof value === "number" || typeof value === "string")) {
    try {
      return BigInt(value);
    } catch {
      return value;
    }
  }
  return value;
}

function describeLiteral(value: RsqlLiteral): string {
  if (typeof value === "string") return `'${value.length > 60 ? value.slice(0, 60) + "…" : value}'`;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Which kind an operator's values are coerced to for a column of `info` (undefined: leave as is). */
function targetKind(op: OperatorDefinition, info: ColumnInfo): ColumnKind | undefined {
  if (op.value === "boolean" || op.coerce === "none") return undefined;
  return op.coerce === undefined || op.coerce === "column" ? info.kind : op.coerce;
}

/** Finds a comparison's operator and checks its value has the shape the operator takes. */
export function resolveOperator(node: RsqlComparison, registry: OperatorRegistry): OperatorDefinition {
  const where = { field: node.field, operator: node.operator };
  const op = registry.get(node.operator);
  if (!op) throw filterError(`Unknown operator '${node.operator}' at position ${node.position}`, node.position, where);
  const v = node.value;
  const ok =
    op.value === "single"
      ? !Array.isArray(v)
      : op.value === "boolean"
        ? typeof v === "boolean"
        : Array.isArray(v) && (op.value === "list" || v.length === 2);
  if (!ok) {
    const detail = `Operator '${op.name}' got a value of the wrong shape at position ${node.position}`;
    throw filterError(detail, node.position, where);
  }
  // Trees built without the parser (ASTs, rsql templates) get the same value limits.
  checkOperatorValue(op.checkValue?.bind(op), v, node.position, where);
  return op;
}

function coerceComparison(node: RsqlComparison, fields: FilterFields, registry: OperatorRegistry): RsqlComparison {
  const where = { field: node.field, operator: node.operator };
  const column = lookupField(fields, node.field);
  if (!column) {
    const detail = `Unknown field '${node.field}' at position ${node.position}`;
    throw filterError(detail, node.position, { field: node.field });
  }
  const op = resolveOperator(node, registry);
  const info = describeColumn(column);
  if (typeof info === "string") {
    throw filterError(`Field '${node.field}' (${info}) cannot be filtered`, node.position, where);
  }
  if (op.columns && !op.columns.includes(info.kind)) {
    throw filterError(
      `Operator '${op.name}' cannot be used on field '${node.field}' (${info.kind}) at position ${node.position}`,
      node.position,
      where,
    );
  }
  const kind = targetKind(op, info);
  if (kind === undefined) return { ...node, operator: op.name };
  const raws = getSourceText(node);
  const convert = (value: RsqlLiteral, index: number): RsqlLiteral => {
    if (value === null) return null;
    // Column rules (uuid format, integer range, date precision) apply only to column-typed values.
    const columnTyped = op.coerce === undefined || op.coerce === "column";
    const result = coerceScalar(kind, value, raws?.[index], columnTyped ? info : undefined);
    if (!result.ok) {
      throw filterError(
        `Value ${describeLiteral(value)} is not ${result.expected} for field '${node.field}' ` +
          `(position ${node.position})`,
        node.position,
        where,
      );
    }
    return result.value;
  };
  const value: RsqlValue = Array.isArray(node.value) ? node.value.map(convert) : convert(node.value, 0);
  return { ...node, operator: op.name, value };
}

/**
 * Checks a filter against the filterable `fields` and converts every value to its column's type;
 * throws `filter-parse-error` for unknown fields, unfilterable columns and unconvertible values.
 */
export function coerceFilter(
  node: RsqlNode,
  fields: FilterFields,
  registry: OperatorRegistry = defaultOperators(),
): RsqlNode {
  if (node.type === "comparison") return coerceComparison(node, fields, registry);
  return { type: node.type, children: node.children.map((child) => coerceFilter(child, fields, registry)) };
}

/** Sentinel for a comparison that can never match (a null value where one is compared). */
export const NEVER = Symbol("never");

/**
 * The value an operator's `toSql`/`evaluate` receives, with SQL's treatment of null values applied:
 * a null single value or range bound matches nothing; nulls inside lists are dropped.
 */
export function operatorValue(op: OperatorDefinition, value: RsqlValue): unknown {
  if (op.value === "boolean") return value;
  if (op.value === "list") return (value as RsqlLiteral[]).filter((v) => v !== null);
  if (op.value === "range") return (value as RsqlLiteral[]).some((v) => v === null) ? NEVER : value;
  return value === null ? NEVER : value;
}

/** The distinct field names a filter mentions, in order of first appearance. */
export function getFilterFields(node: RsqlNode): string[] {
  const seen = new Set<string>();
  const walk = (n: RsqlNode): void => {
    if (n.type === "comparison") seen.add(n.field);
    else n.children.forEach(walk);
  };
  walk(node);
  return [...seen];
}
