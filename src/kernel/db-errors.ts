/**
 * Driver errors → problems. Constraint violations and bad values are the client's doing and get a
 * 4xx with a stable code; a lost, refused or exhausted connection, a busy database and a deadlock
 * are the server's momentary trouble and get a 503 with Retry-After (the next request gets a fresh
 * connection); a serialization failure is a 409 to retry; anything else is a 500 whose SQL and
 * stack never reach the client.
 */
import { ProblemError } from "./errors";

interface CodedError {
  code?: unknown;
  /** libsql: `code` is the primary SQLite code, `extendedCode` says which constraint. */
  extendedCode?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Which constraint D1's message names; it gives the primary code only (`: SQLITE_CONSTRAINT`). */
const D1_CONSTRAINTS: readonly [RegExp, string][] = [
  [/UNIQUE constraint failed/, "SQLITE_CONSTRAINT_UNIQUE"],
  [/NOT NULL constraint failed/, "SQLITE_CONSTRAINT_NOTNULL"],
  [/FOREIGN KEY constraint failed/, "SQLITE_CONSTRAINT_FOREIGNKEY"],
  [/CHECK constraint failed/, "SQLITE_CONSTRAINT_CHECK"],
];

/** D1 reports errors in words only: `D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT`. */
function d1Code(message: unknown): string | undefined {
  if (typeof message !== "string") return undefined;
  const primary = /: (SQLITE_[A-Z_]+)$/.exec(message)?.[1];
  if (primary !== "SQLITE_CONSTRAINT") return primary;
  return D1_CONSTRAINTS.find(([pattern]) => pattern.test(message))?.[1] ?? primary;
}

/** Walks an error's cause chain for a driver error code (SQLite `SQLITE_*`, Postgres SQLSTATE). */
function driverCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { extendedCode, cause, message } = current as CodedError;
    const code =
      typeof extendedCode === "string" && extendedCode.startsWith("SQLITE_")
        ? extendedCode
        : (current as CodedError).code;
    if (typeof code === "string" && (code.startsWith("SQLITE_") || /^[0-9A-Z]{5}$/.test(code))) return code;
    const worded = d1Code(message);
    if (worded) return worded;
    current = cause;
  }
  return undefined;
}

// SQLSTATE class 08 (connection exception), 53300 too many connections, 57P01-57P03 the server is
// shutting down, restarting or terminated the backend (pg_terminate_backend), 55P03 lock timeout.
const PG_UNAVAILABLE = /^(08...|53300|57P0[123]|55P03|40P01)$/;
// Node socket errors, postgres-js's and libsql's own codes.
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "TRANSACTION_ACTIVE",
  // covara's own withAcquireTimeout (covara/db): no pooled connection came free in time.
  "POOL_TIMEOUT",
]);
// node-postgres and the Neon Pool say these in words only.
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|socket hang up|WebSocket/i;

/** The first code of an error's cause chain in the connection-failure vocabulary, or a matching message. */
function connectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { code, message, cause } = current as CodedError;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("SQLITE_BUSY"))) return true;
    if (typeof message === "string" && CONNECTION_MESSAGES.test(message)) return true;
    current = cause;
  }
  return false;
}

/**
 * Whether a failed transaction may simply be run again: Postgres aborted it as a serialization
 * failure (40001) or a deadlock victim (40P01), or SQLite was busy. Nothing was committed.
 */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = driverCode(error);
  return code === "40001" || code === "40P01" || code?.startsWith("SQLITE_BUSY") === true;
}

const RETRY_AFTER = { "retry-after": "1" };

/** SQLite's limit on bound parameters per statement (D1 sets it to 100): an `=in=` list too long for it. */
function tooManyVariables(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (/too many SQL variables/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** Maps an error thrown by a query to a ProblemError (unknown errors pass through unchanged). */
export function mapDatabaseError(error: unknown, resource: string): unknown {
  if (error instanceof ProblemError) return error;
  const code = driverCode(error);
  const extensions = { resource };
  if (code === "40001") {
    return new ProblemError("conflict", {
      detail: "A concurrent transaction changed the same data; retry the request",
      extensions,
      cause: error,
      headers: RETRY_AFTER,
    });
  }
  if ((code !== undefined && PG_UNAVAILABLE.test(code)) || connectionFailure(error)) {
    return new ProblemError("service-unavailable", {
      detail: "The database is unavailable or busy; retry shortly",
      extensions,
      cause: error,
      headers: RETRY_AFTER,
    });
  }
  if (tooManyVariables(error)) {
    return new ProblemError("filter-too-complex", {
      detail:
        "The request needs more bound values than the database takes in one statement (D1: 100); send fewer values",
      extensions,
      cause: error,
    });
  }
  if (code === undefined) return error;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505") {
    return new ProblemError("conflict", {
      detail: `A ${resource} with the same unique value already exists`,
      extensions,
      cause: error,
    });
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL" || code === "23502") {
    return new ProblemError("constraint-violation", {
      detail: "A required field is missing",
      extensions,
      cause: error,
    });
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") {
    return new ProblemError("constraint-violation", {
      detail: "A referenced row does not exist or is still referenced",
      extensions,
      cause: error,
    });
  }
  if (code.startsWith("SQLITE_CONSTRAINT") || code.startsWith("23")) {
    return new ProblemError("constraint-violation", {
      detail: "The data violates a constraint",
      extensions,
      cause: error,
    });
  }
  if (code.startsWith("22") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG") {
    return new ProblemError("validation-error", {
      detail: "A value has the wrong type or is out of range",
      extensions,
      cause: error,
    });
  }
  return error;
}
