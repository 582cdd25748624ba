/**
 * RFC 7807 problem errors. Every error a user can cause is a `ProblemError`: it extends Hono's
 * HTTPException and renders itself as `application/problem+json`, so a resource mounted in any
 * Hono app answers with a proper problem document even without covara's error handler.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Where problem `type` URIs live; the slug after it is the stable problem type. */
export const PROBLEM_TYPE_BASE = "/__covara/problems/";

/** The stable problem types, their status and title. `code` is the slug in SCREAMING_SNAKE. */
export const PROBLEM_TYPES = {
  "not-found": { status: 404, title: "Not found" },
  "validation-error": { status: 400, title: "Validation failed" },
  "unknown-field": { status: 422, title: "Unknown field" },
  "unauthorized": { status: 401, title: "Authentication required" },
  "forbidden": { status: 403, title: "Forbidden" },
  "rate-limit-exceeded": { status: 429, title: "Too many requests" },
  "batch-limit-exceeded": { status: 400, title: "Batch size exceeded" },
  "filter-parse-error": { status: 400, title: "Invalid filter" },
  "filter-too-complex": { status: 400, title: "Filter too complex" },
  "cursor-invalid": { status: 400, title: "Invalid cursor" },
  "precondition-failed": { status: 412, title: "Precondition failed" },
  "invalid-parameter": { status: 400, title: "Invalid query parameter" },
  "nested-write-invalid": { status: 400, title: "Invalid nested write" },
  "invalid-id": { status: 400, title: "Invalid id" },
  "invalid-json": { status: 400, title: "Malformed JSON body" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "conflict": { status: 409, title: "Conflict" },
  "constraint-violation": { status: 400, title: "Constraint violation" },
  "service-unavailable": { status: 503, title: "Service unavailable" },
  "search-unavailable": { status: 503, title: "Search unavailable" },
  "internal-error": { status: 500, title: "Internal server error" },
  "scope-error": { status: 500, title: "Internal server error" },
  "password-policy": { status: 422, title: "Password does not meet the policy" },
  "invalid-credentials": { status: 401, title: "Invalid credentials" },
  "invalid-token": { status: 401, title: "Invalid or expired token" },
  "csrf-rejected": { status: 403, title: "Cross-site request rejected" },
  "invalid-code": { status: 401, title: "Invalid verification code" },
  "mfa-required": { status: 401, title: "Second factor required" },
  "passkey-rejected": { status: 400, title: "Passkey verification failed" },
  "invalid-state": { status: 400, title: "Invalid or expired OAuth state" },
  "interaction-expired": { status: 400, title: "Sign-in request expired" },
  "social-login-failed": { status: 401, title: "Social login failed" },
  "federated-login-failed": { status: 401, title: "Federated login failed" },
  "upstream-unavailable": { status: 502, title: "Upstream identity provider unavailable" },
  "invalid-event-id": { status: 400, title: "Invalid Last-Event-ID" },
  "slow-consumer": { status: 503, title: "Subscriber too slow" },
  "realtime-unavailable": { status: 503, title: "Live updates unavailable" },
  "shutting-down": { status: 503, title: "Server shutting down" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/** The JSON body of a problem response. Extension members sit beside the standard ones. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  detail?: string;
  /** Extra members of the problem document (`resource`, `id`, `errors`, `position`, ...). */
  extensions?: Record<string, unknown>;
  /** Response headers to add (`Retry-After`, `WWW-Authenticate`, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
  /** Overrides the status of the problem type (rarely needed). */
  status?: number;
}

/** `not-found` → `NOT_FOUND`. */
export function problemCode(type: string): string {
  return type.toUpperCase().replace(/-/g, "_");
}

/** One error class for every problem covara reports; `code` is stable and typed. */
export class ProblemError extends HTTPException {
  readonly problemType: ProblemType;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(type: ProblemType, options: ProblemOptions = {}) {
    const def = PROBLEM_TYPES[type];
    const status = (options.status ?? def.status) as ContentfulStatusCode;
    super(status, { message: options.detail ?? def.title, cause: options.cause });
    this.name = "ProblemError";
    this.problemType = type;
    this.code = problemCode(type);
    this.title = def.title;
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** The problem document as sent to the client. */
  toJSON(): ProblemDocument {
    const doc: ProblemDocument = {
      type: PROBLEM_TYPE_BASE + this.problemType,
      title: this.title,
      status: this.status,
      code: this.code,
    };
    if (this.detail !== undefined) doc.detail = this.detail;
    for (const [key, value] of Object.entries(this.extensions)) {
      if (!(key in doc)) doc[key] = value;
    }
    return doc;
  }

  override getResponse(): Response {
    return problemResponse(this.toJSON(), this.headers);
  }
}

/** Builds a problem+json Response from a document. */
export function problemResponse(doc: ProblemDocument, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(doc), {
    status: doc.status,
    headers: { ...headers, "content-type": "application/problem+json" },
  });
}

/** Shorthand constructors for the common problems. */
export const problems = {
  notFound: (resource: string, id?: string) =>
    new ProblemError("not-found", {
      detail: id === undefined ? `${resource} not found` : `${resource} with id '${id}' not found`,
      extensions: id === undefined ? { resource } : { resource, id },
    }),
  unauthorized: (detail = "Authentication is required for this operation") =>
    new ProblemError("unauthorized", { detail }),
  forbidden: (detail = "You are not allowed to perform this operation") =>
    new ProblemError("forbidden", { detail }),
  validation: (detail: string, errors?: ValidationIssue[]) =>
    new ProblemError("validation-error", { detail, extensions: errors ? { errors } : {} }),
  invalidParameter: (parameter: string, detail: string) =>
    new ProblemError("invalid-parameter", { detail, extensions: { parameter } }),
};

/** One field-level problem inside a validation error. */
export interface ValidationIssue {
  path: string;
  message: string;
  code?: string;
}
