/**
 * One error class for everything the client reports: server problem+json documents keep their
 * status, code, detail and extension members; network failures, timeouts and aborts get codes of
 * their own, so callers match on `code` alone.
 */

/** Codes the client itself produces (the server's codes come from its problem documents). */
export type ClientErrorCode =
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "ABORTED"
  | "INVALID_RESPONSE"
  | "STREAM_ERROR"
  | "OFFLINE_REJECTED"
  | "CONFLICT"
  | (string & {});

/** The RFC 7807 document fields covara sends. */
export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  [member: string]: unknown;
}

/** A failed request or stream: `status` is 0 when no HTTP answer was received. */
export class CovaraClientError extends Error {
  override readonly name = "CovaraClientError";
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly detail: string | undefined;
  readonly type: string | undefined;
  readonly title: string | undefined;
  /** The whole problem document, extension members included (`errors`, `field`, `index`, ...). */
  readonly problem: ProblemDocument;

  constructor(status: number, problem: ProblemDocument, options: { cause?: unknown } = {}) {
    super(problem.detail ?? problem.title ?? problem.code ?? `HTTP ${status}`, options);
    this.status = status;
    this.code = problem.code ?? (status ? `HTTP_${status}` : "NETWORK_ERROR");
    this.detail = problem.detail;
    this.type = problem.type;
    this.title = problem.title;
    this.problem = problem;
  }

  /** An extension member of the problem document (`error.member<number>("index")`). */
  member<T = unknown>(name: string): T | undefined {
    return this.problem[name] as T | undefined;
  }
}

/** True for a CovaraClientError (also across bundle copies, by name and shape). */
export function isCovaraClientError(error: unknown): error is CovaraClientError {
  return (
    error instanceof CovaraClientError ||
    (error instanceof Error &&
      error.name === "CovaraClientError" &&
      typeof (error as { code?: unknown }).code === "string")
  );
}

/** Normalises anything thrown into a CovaraClientError. */
export function toClientError(error: unknown): CovaraClientError {
  if (isCovaraClientError(error)) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "AbortError")
    return new CovaraClientError(0, { code: "ABORTED", detail: "The request was aborted" }, { cause: error });
  if (name === "TimeoutError")
    return new CovaraClientError(0, { code: "TIMEOUT", detail: "The request timed out" }, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new CovaraClientError(0, { code: "NETWORK_ERROR", detail }, { cause: error });
}

/** Builds the error for a non-2xx response from its parsed body (problem+json or anything else). */
export function errorFromResponse(status: number, body: unknown, statusText = ""): CovaraClientError {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const doc = body as ProblemDocument;
    // OAuth endpoints answer { error, error_description } rather than problem+json.
    if (doc.code === undefined && typeof doc.error === "string") {
      return new CovaraClientError(status, {
        ...doc,
        code: doc.error.toUpperCase(),
        detail: (doc.error_description as string | undefined) ?? doc.error,
      });
    }
    return new CovaraClientError(status, doc);
  }
  return new CovaraClientError(status, {
    detail: typeof body === "string" && body ? body.slice(0, 200) : statusText || `HTTP ${status}`,
  });
}
