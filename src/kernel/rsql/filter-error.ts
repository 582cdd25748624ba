/**
 * The one way the RSQL kernel reports a user's mistake: a `filter-parse-error` problem that carries
 * the 0-based `position` in the filter text and, when known, the `field` and `operator`.
 */
import { ProblemError } from "../errors.js";

export interface FilterErrorContext {
  field?: string;
  operator?: string;
}

/** Builds the `filter-parse-error` problem for a message and a source position. */
export function filterError(detail: string, position: number, context: FilterErrorContext = {}): ProblemError {
  const extensions: Record<string, unknown> = { position };
  if (context.field !== undefined) extensions.field = context.field;
  if (context.operator !== undefined) extensions.operator = context.operator;
  return new ProblemError("filter-parse-error", { detail, extensions });
}
