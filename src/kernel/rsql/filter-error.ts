/**
 * How the RSQL kernel reports a user's mistake: a `filter-parse-error` problem (or
 * `filter-too-complex` for a value too costly to run) that carries the 0-based `position` in the
 * filter text and, when known, the `field` and `operator`.
 */
import { ProblemError } from "../errors";
import type { RsqlLiteral, RsqlValue } from "./ast";

export interface FilterErrorContext {
  field?: string;
  operator?: string;
}

/** Builds the `filter-parse-error` problem for a message and a source position. */
export function filterError(detail: string, position: number, context: FilterErrorContext = {}): ProblemError {
  return new ProblemError("filter-parse-error", { detail, extensions: extensionsOf(position, context) });
}

/** Builds the `filter-too-complex` problem: a well-formed value that would cost too much to run. */
export function filterTooComplex(detail: string, position: number, context: FilterErrorContext = {}): ProblemError {
  return new ProblemError("filter-too-complex", { detail, extensions: extensionsOf(position, context) });
}

function extensionsOf(position: number, context: FilterErrorContext): Record<string, unknown> {
  const extensions: Record<string, unknown> = { position };
  if (context.field !== undefined) extensions.field = context.field;
  if (context.operator !== undefined) extensions.operator = context.operator;
  return extensions;
}

/** Runs an operator's `checkValue` on every literal of a comparison's value; throws `filter-too-complex`. */
export function checkOperatorValue(
  check: ((value: RsqlLiteral) => string | undefined) | undefined,
  value: RsqlValue,
  position: number,
  context: FilterErrorContext,
): void {
  if (!check) return;
  for (const literal of Array.isArray(value) ? value : [value]) {
    const reason = check(literal);
    if (reason !== undefined) throw filterTooComplex(`${reason} (position ${position})`, position, context);
  }
}
