/** RSQL kernel: parse a filter once, run it as Drizzle SQL (SQLite, Postgres) or in memory. */
export type { RsqlComparison, RsqlLiteral, RsqlLogical, RsqlNode, RsqlValue } from "./ast.js";
export type { ColumnInfo, ColumnKind } from "./columns.js";
export { describeColumn } from "./columns.js";
export type { CoerceResult, FilterFields } from "./coerce.js";
export { coerceFilter, coerceScalar, getFilterFields } from "./coerce.js";
export type { CompileToSqlOptions } from "./compile-sql.js";
export { compileToSql } from "./compile-sql.js";
export type { EvaluateRsqlOptions, RsqlPredicate } from "./evaluate.js";
export { compileRsqlPredicate, evaluateRsql } from "./evaluate.js";
export type {
  FilterScalar,
  OperatorDefinition,
  OperatorRegistry,
  OperatorSqlContext,
  OperatorValue,
  OperatorValueShape,
} from "./operator-types.js";
export { createOperatorRegistry, defaultOperators, defineOperator } from "./operators.js";
export type { ParseRsqlOptions } from "./parser.js";
export { RSQL_LIMITS, parseRsql } from "./parser.js";
export { rsqlToString } from "./serialize.js";
export { RsqlFilter, isRsqlFilter, rsql } from "./template.js";
