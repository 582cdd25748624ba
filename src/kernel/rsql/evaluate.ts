/**
 * In-memory evaluation of an RSQL AST against a row, with the SQL compiler's semantics: the same
 * coercion, the same operator definitions, and NULL fields matching nothing but the null checks.
 */
import type { RsqlComparison, RsqlLiteral, RsqlNode } from "./ast";
import { type ColumnInfo, type ColumnKind, describeColumn } from "./columns";
import {
  type FilterFields,
  NEVER,
  coerceFilter,
  coerceScalar,
  lookupField,
  normalizeFieldValue,
  operatorValue,
  resolveOperator,
  runtimeKind,
} from "./coerce";
import { defaultOperators } from "./operators";
import type { FilterScalar, OperatorDefinition, OperatorRegistry } from "./operator-types";
import { getSourceText } from "./parser";

export interface EvaluateRsqlOptions {
  /** The table's columns by JS property name; when given, values are coerced exactly as in SQL. */
  fields?: FilterFields;
  operators?: OperatorRegistry;
}

/** A compiled filter: tests one row. */
export type RsqlPredicate = (row: Record<string, unknown>) => boolean;

/** Reads a field, following dots into nested objects (`author.name`), never into prototypes. */
function readField(row: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(row, field)) return row[field];
  if (!field.includes(".")) return undefined;
  let current: unknown = row;
  for (const key of field.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function test(op: OperatorDefinition, field: unknown, value: unknown): boolean {
  if (field === null || field === undefined) return op.nullAware === true && op.evaluate(null, value as never);
  return op.evaluate(field, value as never);
}

/** With column metadata: values were coerced up front; row values are brought to the column's kind. */
function boundComparison(node: RsqlComparison, fields: FilterFields, registry: OperatorRegistry): RsqlPredicate {
  const op = resolveOperator(node, registry);
  const value = operatorValue(op, node.value);
  if (value === NEVER) return () => false;
  const column = lookupField(fields, node.field);
  const info = column ? describeColumn(column) : undefined;
  const kind = info && typeof info !== "string" ? (info as ColumnInfo).kind : "other";
  return (row) => test(op, normalizeFieldValue(kind, readField(row, node.field)), value);
}

/** Adapts values to a target kind; a value that cannot be adapted cannot match (dropped from lists). */
function adapt(
  op: OperatorDefinition,
  value: unknown,
  kind: ColumnKind,
  raws: readonly (string | undefined)[] | undefined,
): unknown {
  if (op.value === "boolean" || op.coerce === "none") return value;
  const one = (v: RsqlLiteral, i: number): FilterScalar | typeof NEVER => {
    const result = coerceScalar(kind, v as FilterScalar, raws?.[i]);
    return result.ok ? result.value : NEVER;
  };
  if (op.value === "single") return one(value as RsqlLiteral, 0);
  const items = (value as RsqlLiteral[]).map(one);
  if (op.value === "range") return items.includes(NEVER) ? NEVER : items;
  return items.filter((v) => v !== NEVER);
}

/** Without column metadata: values are adapted to each row value's runtime type. */
function runtimeComparison(node: RsqlComparison, registry: OperatorRegistry): RsqlPredicate {
  const op = resolveOperator(node, registry);
  const value = operatorValue(op, node.value);
  if (value === NEVER) return () => false;
  // Nulls were dropped from lists, so raw texts must be re-aligned with what is left.
  const allRaws = getSourceText(node);
  const list = Array.isArray(node.value) ? node.value : undefined;
  const raws = allRaws && list ? allRaws.filter((_, i) => list[i] !== null) : allRaws;
  const fixed = op.coerce !== undefined && op.coerce !== "column" && op.coerce !== "none";
  const fixedValue = fixed ? adapt(op, value, op.coerce as ColumnKind, raws) : undefined;
  return (row) => {
    const field = readField(row, node.field);
    if (field === null || field === undefined) return test(op, null, value);
    const adapted = fixed ? fixedValue : adapt(op, value, runtimeKind(field), raws);
    return adapted !== NEVER && test(op, field, adapted);
  };
}

function build(node: RsqlNode, options: { fields?: FilterFields; registry: OperatorRegistry }): RsqlPredicate {
  if (node.type === "comparison") {
    return options.fields
      ? boundComparison(node, options.fields, options.registry)
      : runtimeComparison(node, options.registry);
  }
  const children = node.children.map((child) => build(child, options));
  if (node.type === "and") {
    return (row) => {
      for (const child of children) if (!child(row)) return false;
      return true;
    };
  }
  return (row) => {
    for (const child of children) if (child(row)) return true;
    return false;
  };
}

/** Compiles a filter once into a row predicate (coercing values once when `fields` is given). */
export function compileRsqlPredicate(node: RsqlNode, options: EvaluateRsqlOptions = {}): RsqlPredicate {
  const registry = options.operators ?? defaultOperators();
  if (options.fields) return build(coerceFilter(node, options.fields, registry), { fields: options.fields, registry });
  return build(node, { registry });
}

/** Tests one row against a filter with the same semantics as the compiled SQL. */
export function evaluateRsql(node: RsqlNode, row: Record<string, unknown>, options: EvaluateRsqlOptions = {}): boolean {
  return compileRsqlPredicate(node, options)(row);
}
