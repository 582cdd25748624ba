/**
 * The errors the task system raises for caller mistakes, as problem errors with stable codes,
 * and the normaliser that turns anything a handler throws into a readable reason.
 */
import type { z } from "zod";
import { ProblemError, problems, type ValidationIssue } from "../kernel/errors";

/** Enqueueing or scheduling a task name the registry does not know. */
export function unknownTaskError(name: string): ProblemError {
  return new ProblemError("not-found", {
    detail: `Unknown task "${name}": register it with getTaskRegistry().register(task) first`,
    extensions: { resource: "task", task: name },
  });
}

/** Input that fails the task's schema, with every Zod issue. */
export function invalidInputError(name: string, error: z.ZodError): ProblemError {
  const issues: ValidationIssue[] = error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
  return problems.validation(`Invalid input for task "${name}"`, issues);
}

/** A bad option (priority, cron, time zone, ...), named by the parameter it came from. */
export function invalidOptionError(parameter: string, detail: string): ProblemError {
  return problems.invalidParameter(parameter, detail);
}

/** Why an attempt failed, readable whatever was thrown (an Error, a string, an object, undefined). */
export function describeFailure(thrown: unknown): string {
  if (thrown instanceof Error) {
    const name = thrown.name && thrown.name !== "Error" ? `${thrown.name}: ` : "";
    return `${name}${thrown.message}`;
  }
  if (typeof thrown === "string") return `Non-Error thrown: ${thrown}`;
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  return `Non-Error thrown: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`;
}

/** Raised inside an attempt that ran past the task's `timeoutMs`. */
export class TaskTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`Task "${name}" timed out after ${timeoutMs} ms`);
    this.name = "TaskTimeoutError";
  }
}
