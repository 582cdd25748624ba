/**
 * RFC 7807 problem errors. Every error a user can cause is a `ProblemError`: it extends Hono's
 * HTTPException and renders itself as `application/problem+json`, so a resource mounted in any
 * Hono app answers with a proper problem document even without covara's error handler.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Where problem `type` URIs live; the slug after it is the stable problem type. */
export const PROBLEM_TYPE_BASE = "/__covara/problems/";

/** A problem type's HTTP status and its short, stable title. */
export interface ProblemTypeDefinition {
  readonly status: number;
  readonly title: string;
}

/** Problem types by slug (`"not-found"`), as `defineProblemTypes` takes and returns them. */
export type ProblemTypeTable = Readonly<Record<string, ProblemTypeDefinition>>;

/** Slugs are lower-case words joined by hyphens; `code` is the slug in SCREAMING_SNAKE. */
const SLUG = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Every problem type defined so far, kernel and features alike. */
const defined: Record<string, ProblemTypeDefinition> = {};

/**
 * Adds problem types to the runtime table `ProblemError` reads. Defining a slug again with the
 * same status and title is a no-op; with a different one it throws, so two features cannot give
 * one `code` two meanings. Returns the table for `defineProblemTypes` and extension contracts.
 */
export function registerProblemTypes<T extends ProblemTypeTable>(types: T): T {
  for (const [slug, definition] of Object.entries(types)) {
    if (!SLUG.test(slug))
      throw new TypeError(`covara: problem type "${slug}" must be lower-case words joined by hyphens`);
    const known = defined[slug];
    if (known && (known.status !== definition.status || known.title !== definition.title)) {
      throw new TypeError(`covara: problem type "${slug}" is already defined as ${known.status} "${known.title}"`);
    }
    defined[slug] = { status: definition.status, title: definition.title };
  }
  return types;
}

/**
 * Declares a feature's problem types next to its code and registers them. Pair it with a
 * declaration merge so `ProblemError` accepts the new slugs (see docs/errors.md):
 *
 * @example
 * export const BILLING_PROBLEM_TYPES = defineProblemTypes({
 *   "payment-required": { status: 402, title: "Payment required" },
 * });
 * type BillingProblemTypes = typeof BILLING_PROBLEM_TYPES;
 * declare global {
 *   interface CovaraProblemTypes extends BillingProblemTypes {}
 * }
 */
export function defineProblemTypes<const T extends ProblemTypeTable>(types: T): T {
  return registerProblemTypes(types);
}

/**
 * The problem types of the kernel: generic HTTP and request-body failures every layer may answer
 * with. Features declare their own (auth, oidc, resource, search, realtime: each folder's
 * `problems.ts`).
 */
export const KERNEL_PROBLEM_TYPES = defineProblemTypes({
  "not-found": { status: 404, title: "Not found" },
  "validation-error": { status: 400, title: "Validation failed" },
  "unknown-field": { status: 422, title: "Unknown field" },
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Forbidden" },
  "rate-limit-exceeded": { status: 429, title: "Too many requests" },
  "filter-parse-error": { status: 400, title: "Invalid filter" },
  "filter-too-complex": { status: 400, title: "Filter too complex" },
  "precondition-failed": { status: 412, title: "Precondition failed" },
  "invalid-parameter": { status: 400, title: "Invalid query parameter" },
  "invalid-json": { status: 400, title: "Malformed JSON body" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  "constraint-violation": { status: 400, title: "Constraint violation" },
  "service-unavailable": { status: 503, title: "Service unavailable" },
  "internal-error": { status: 500, title: "Internal server error" },
  "shutting-down": { status: 503, title: "Server shutting down" },
});

type KernelProblemTypes = typeof KERNEL_PROBLEM_TYPES;

declare global {
  /**
   * The problem types known to the type checker, by slug. Open: each feature (and an app) extends
   * it by declaration merging next to its `defineProblemTypes` call, so `ProblemType` stays a
   * typed string union of whatever features a program includes. It is global rather than a
   * module's export so the merges survive bundling into the published declaration files.
   */
  interface CovaraProblemTypes extends KernelProblemTypes {}
}

/** The merged problem type registry (the global `CovaraProblemTypes`). */
export type ProblemTypeRegistry = CovaraProblemTypes;

/** Every known problem slug: a typed string union, open to features. */
export type ProblemType = keyof ProblemTypeRegistry & string;

/**
 * The runtime table of every problem type defined so far (kernel and loaded features), by slug.
 * A live view: a feature's entries appear once its module has loaded.
 */
export const PROBLEM_TYPES = defined as { readonly [K in ProblemType]: ProblemTypeDefinition };

/** The definition of a slug, or undefined when no loaded module defines it. */
export function problemTypeDefinition(type: string): ProblemTypeDefinition | undefined {
  return Object.hasOwn(defined, type) ? defined[type] : undefined;
}

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
    const def = problemTypeDefinition(type);
    if (!def) throw new TypeError(`covara: problem type "${type}" is not defined; declare it with defineProblemTypes`);
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
  forbidden: (detail = "You are not allowed to perform this operation") => new ProblemError("forbidden", { detail }),
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
