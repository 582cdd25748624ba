/** RSQL kernel: parse a filter once, run it as Drizzle SQL (SQLite, Postgres) or in memory. */
export type { RsqlComparison, RsqlLiteral, RsqlLogical, RsqlNode, RsqlValue } from "./ast";
export type { ColumnInfo, ColumnKind } from "./columns";
export { describeColumn } from "./columns";
export type { CoerceResult, FilterFields } from "./coerce";
export { coerceFilter, coerceScalar, getFilterFields } from "./coerce";
export type { CompileToSqlOptions } from "./compile-sql";
export { compileToSql } from "./compile-sql";
export type { EvaluateRsqlOptions, RsqlPredicate } from "./evaluate";
export { compileRsqlPredicate, evaluateRsql } from "./evaluate";
export type {
  FilterScalar,
  OperatorDefinition,
  OperatorRegistry,
  OperatorSqlContext,
  OperatorValue,
  OperatorValueShape,
} from "./operator-types";
export { createOperatorRegistry, defaultOperators, defineOperator } from "./operators";
export type { ParseRsqlOptions } from "./parser";
export { RSQL_LIMITS, parseRsql } from "./parser";
export { rsqlToString } from "./serialize";
export { RsqlFilter, isRsqlFilter, rsql } from "./template";
