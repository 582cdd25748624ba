/**
 * Driver errors → problems. Constraint violations and bad values are the client's doing and get a
 * 4xx with a stable code; anything else is a 500 whose SQL and stack never reach the client.
 */
import { ProblemError } from "./errors";

interface CodedError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Walks an error's cause chain for a driver error code (SQLite `SQLITE_*`, Postgres SQLSTATE). */
function driverCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { code, cause } = current as CodedError;
    if (typeof code === "string" && (code.startsWith("SQLITE_") || /^[0-9A-Z]{5}$/.test(code))) return code;
    current = cause;
  }
  return undefined;
}

/** Maps an error thrown by a query to a ProblemError (unknown errors pass through unchanged). */
export function mapDatabaseError(error: unknown, resource: string): unknown {
  if (error instanceof ProblemError) return error;
  const code = driverCode(error);
  if (code === undefined) return error;
  const extensions = { resource };
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505") {
    return new ProblemError("conflict", { detail: `A ${resource} with the same unique value already exists`, extensions, cause: error });
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL" || code === "23502") {
    return new ProblemError("constraint-violation", { detail: "A required field is missing", extensions, cause: error });
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") {
    return new ProblemError("constraint-violation", { detail: "A referenced row does not exist or is still referenced", extensions, cause: error });
  }
  if (code.startsWith("SQLITE_CONSTRAINT") || code.startsWith("23")) {
    return new ProblemError("constraint-violation", { detail: "The data violates a constraint", extensions, cause: error });
  }
  if (code.startsWith("22") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG") {
    return new ProblemError("validation-error", { detail: "A value has the wrong type or is out of range", extensions, cause: error });
  }
  return error;
}
