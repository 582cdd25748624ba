/**
 * Compiles an RSQL AST to a Drizzle `SQL` condition for SQLite or Postgres. Every value reaches the
 * database as a bound parameter; field names resolve only through the given column map.
 */
import { type SQL, sql } from "drizzle-orm";
import type { RsqlNode } from "./ast";
import { type ColumnInfo, describeColumn } from "./columns";
import { type FilterFields, NEVER, coerceFilter, lookupField, operatorValue, resolveOperator } from "./coerce";
import { defaultOperators } from "./operators";
import type { OperatorRegistry } from "./operator-types";
import type { Dialect } from "../dialect";

export interface CompileToSqlOptions {
  /** Filterable columns by JS property name (as `getTableColumns(table)` returns them). */
  fields: FilterFields;
  dialect: Dialect;
  operators?: OperatorRegistry;
}

const FALSE = sql`1 = 0`;

function compile(node: RsqlNode, options: CompileToSqlOptions, registry: OperatorRegistry): SQL {
  if (node.type === "comparison") {
    // coerceFilter already vouched for the field, the operator and the value shape.
    const op = resolveOperator(node, registry);
    const value = operatorValue(op, node.value);
    if (value === NEVER) return FALSE;
    const column = lookupField(options.fields, node.field);
    if (!column) throw new Error(`unreachable: field '${node.field}' passed coercion but has no column`);
    const info = describeColumn(column) as ColumnInfo;
    // Parenthesised so a custom operator's `a or b` cannot leak into the surrounding and/or.
    return sql`(${op.toSql(column, value as never, { dialect: options.dialect, info })})`;
  }
  const parts = node.children.map((child) => compile(child, options, registry));
  if (parts.length === 1) return parts[0] as SQL;
  return sql`(${sql.join(parts, node.type === "and" ? sql` and ` : sql` or `)})`;
}

/** Compiles a filter to a WHERE condition; unknown fields and bad values are filter-parse-errors. */
export function compileToSql(node: RsqlNode, options: CompileToSqlOptions): SQL {
  const registry = options.operators ?? defaultOperators();
  return compile(coerceFilter(node, options.fields, registry), options, registry);
}
