/**
 * What an RSQL operator is: its value shape, its SQL and its in-memory test, and the registry that
 * looks operators up. Types only, so the built-in operators and the registry can both import them
 * without importing each other.
 */
import type { Column, SQL } from "drizzle-orm";
import type { Dialect } from "../dialect";
import type { RsqlLiteral } from "./ast";
import type { ColumnInfo, ColumnKind } from "./columns";

/** The value an operator takes: one literal, a list `(a,b)`, a range `[lo,hi]`, or `true`/`false`. */
export type OperatorValueShape = "single" | "list" | "range" | "boolean";

/** A coerced, non-null filter value as operators receive it (bigint for bigint columns). */
export type FilterScalar = string | number | boolean | Date | bigint;

/** The value type an operator's functions receive for each shape. */
export type OperatorValue<S extends OperatorValueShape> = S extends "list"
  ? FilterScalar[]
  : S extends "range"
    ? [FilterScalar, FilterScalar]
    : S extends "boolean"
      ? boolean
      : FilterScalar;

export interface OperatorSqlContext {
  dialect: Dialect;
  /** How the kernel classified the column (kind, Postgres text cast, ...). */
  info: ColumnInfo;
}

export interface OperatorDefinition<S extends OperatorValueShape = OperatorValueShape> {
  /** Canonical name as written in filters: `==`, `=ge=`, `=near=`. Stored in the AST. */
  name: string;
  /** Other spellings that mean the same operator (`>=` for `=ge=`). */
  aliases?: readonly string[];
  value: S;
  /** Column kinds the operator applies to; omitted means every filterable kind. */
  columns?: readonly ColumnKind[];
  /**
   * How values are converted before `toSql`/`evaluate`: to the column's type (`"column"`, the
   * default), to a fixed kind (`"string"`, `"number"`, ...), or left as parsed (`"none"`).
   */
  coerce?: "column" | "none" | ColumnKind;
  /**
   * Whether the operator decides about NULL field values itself (`=isnull=`). Otherwise a NULL
   * field never matches and `evaluate` is not called, mirroring SQL's NULL comparisons in WHERE.
   */
  nullAware?: boolean;
  /**
   * Refuses a value when the filter is parsed, before any query runs (a pattern too costly to
   * match, ...): the reason, or undefined when the value is fine. Called for each literal.
   */
  checkValue?(value: RsqlLiteral): string | undefined;
  /** The SQL condition. Values must be bound (`sql.param`, drizzle operators), never spliced. */
  toSql(column: Column, value: OperatorValue<S>, ctx: OperatorSqlContext): SQL;
  /** The same condition on an in-memory field value (never null unless `nullAware`). */
  evaluate(fieldValue: unknown, value: OperatorValue<S>): boolean;
}

/** Operators by canonical name and alias. */
export interface OperatorRegistry {
  /** Adds an operator; throws when its name or an alias is taken or malformed. */
  register(def: OperatorDefinition): OperatorRegistry;
  /** Looks an operator up by canonical name or alias. */
  get(name: string): OperatorDefinition | undefined;
  has(name: string): boolean;
  /** Every registered operator, built-ins first. */
  list(): OperatorDefinition[];
}
