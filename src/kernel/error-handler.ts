/**
 * Error handling for any Hono app: every thrown error becomes problem+json. Problems render as
 * themselves; other HTTP exceptions keep their status; database errors get their mapped problem;
 * anything else is a 500 whose message, stack and SQL stay in the server log.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { KERNEL_PROBLEM_TYPES, PROBLEM_TYPE_BASE, ProblemError, problemCode, problemResponse } from "./errors";
import { mapDatabaseError } from "./db-errors";
import { defaultLogger, routeDefaultErrors } from "./context";
import type { Logger } from "./logger";
import type { TraceContext } from "./trace-context";

// A bare HTTPException is named after the first kernel problem type with its status: features'
// types are specific to their code and are never guessed from a status alone.
type KernelProblemType = keyof typeof KERNEL_PROBLEM_TYPES;
const TYPE_BY_STATUS = new Map<number, KernelProblemType>();
for (const [type, { status }] of Object.entries(KERNEL_PROBLEM_TYPES) as [KernelProblemType, { status: number }][]) {
  if (!TYPE_BY_STATUS.has(status)) TYPE_BY_STATUS.set(status, type);
}

/** The request each unexpected-error report came from, for the deprecated reporter below. */
const requestOf = new WeakMap<Record<string, unknown>, Context>();

/** Logs an unexpected (500) error with the request it broke. */
function reportUnexpectedError(logger: Logger, error: unknown, c: Context): void {
  // The trace id ties the log line to the request's entries even where no trace scope is enabled.
  const trace: TraceContext | undefined = c.get("trace");
  const meta = {
    source: "unexpected-error",
    method: c.req.method,
    path: c.req.path,
    ...(trace ? { traceId: trace.traceId } : {}),
  };
  requestOf.set(meta, c);
  logger.error(`[covara] unexpected error on ${c.req.method} ${c.req.path}:`, error, meta);
}

/**
 * Installs the reporter of unexpected (500) errors of apps without a logger of their own.
 * @deprecated Pass `logger` to createCovara (its `error` receives these with `meta.source === "unexpected-error"`).
 */
export function setUnexpectedErrorReporter(reporter: (error: unknown, c: Context) => void): void {
  routeDefaultErrors("unexpected-error", (error, meta) => {
    const c = requestOf.get(meta);
    if (c) reporter(error, c);
  });
}

function fromHttpException(error: HTTPException): Response {
  const type = TYPE_BY_STATUS.get(error.status) ?? (error.status >= 500 ? "internal-error" : "validation-error");
  const headers: Record<string, string> = {};
  error.res?.headers.forEach((value, key) => {
    if (key !== "content-type" && key !== "content-length") headers[key] = value;
  });
  return problemResponse(
    {
      type: PROBLEM_TYPE_BASE + type,
      title: KERNEL_PROBLEM_TYPES[type].title,
      status: error.status,
      code: problemCode(type),
      ...(error.message && error.status < 500 ? { detail: error.message } : {}),
    },
    headers,
  );
}

/** An error handler that renders any error as problem+json and logs unexpected ones to `logger()`. */
export function createErrorHandler(logger: () => Logger = defaultLogger): ErrorHandler {
  return (error, c) => {
    if (error instanceof ProblemError) {
      if (error.status >= 500) reportUnexpectedError(logger(), error.cause ?? error, c);
      return error.getResponse();
    }
    const mapped = mapDatabaseError(error, "resource");
    if (mapped instanceof ProblemError) return mapped.getResponse();
    if (error instanceof HTTPException) return fromHttpException(error);
    reportUnexpectedError(logger(), error, c);
    return new ProblemError("internal-error", { detail: "An unexpected error occurred" }).getResponse();
  };
}

/** `app.onError(errorHandler)`: renders any error as problem+json (unexpected ones go to the default logger). */
export const errorHandler: ErrorHandler = createErrorHandler();

/** `app.notFound(notFoundHandler)`: unknown routes are problem+json 404s. */
export const notFoundHandler: NotFoundHandler = (c) =>
  new ProblemError("not-found", { detail: `No route for ${c.req.method} ${c.req.path}` }).getResponse();

/** A handler answering 405 with the allowed methods. */
export function methodNotAllowed(allowed: string[]) {
  return (c: Context): Response =>
    new ProblemError("method-not-allowed", {
      detail: `${c.req.method} is not allowed here; use ${allowed.join(", ")}`,
      headers: { allow: allowed.join(", ") },
      extensions: { allowed },
    }).getResponse();
}
