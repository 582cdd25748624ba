/**
 * The RSQL abstract syntax tree: one parse, two executions (SQL and in-memory).
 */

/**
 * A literal as written in a filter. Lists come from `(a,b)` / `[a,b]` groups. The parser never
 * produces `bigint`; coercion does, for bigint columns.
 */
export type RsqlLiteral = string | number | boolean | null | Date | bigint;
export type RsqlValue = RsqlLiteral | RsqlLiteral[];

/** `field <operator> value`. `operator` is canonical (`==`, `=ge=`, `=icontains=`, ...). */
export interface RsqlComparison {
  type: "comparison";
  field: string;
  operator: string;
  value: RsqlValue;
  /** Offset of the field name in the source, for error messages. */
  position: number;
}

/** `;` (and) and `,` (or) nodes; children are never empty. */
export interface RsqlLogical {
  type: "and" | "or";
  children: RsqlNode[];
}

export type RsqlNode = RsqlComparison | RsqlLogical;
