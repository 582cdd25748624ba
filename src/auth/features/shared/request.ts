/**
 * Request plumbing the auth features share: a bounded JSON body checked against a zod schema (every
 * failure a 4xx problem), the signed-in user, and work that must finish after the response without
 * changing it (email delivery, which would otherwise leak whether an address exists by its timing).
 */
import type { Logger } from "../../../kernel/logger";
import "../../problems";
import type { Context } from "hono";
import type { z } from "zod";
import { ProblemError, problems, type ValidationIssue } from "../../../kernel/errors";
import { readJsonObject } from "../../../kernel/body";
import type { CovaraEnv } from "../../../kernel/http";
import type { AuthKit, AuthUser } from "../../types";
import { defaultLogger } from "../../../kernel/context";

/** Bodies of the auth routes are small; anything past this is a 413 before it is parsed. */
export const MAX_AUTH_BODY_BYTES = 16 * 1024;

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
    code: issue.code,
  }));
}

/** Checks `input` against `schema`; a mismatch is a 400 `validation-error` listing every issue. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what = "request body"): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw problems.validation(`The ${what} is invalid`, toIssues(parsed.error));
  return parsed.data;
}

/** Reads a JSON object body (415/413/400 problems on bad input) and validates it. */
export async function readBody<T>(c: Context, schema: z.ZodType<T>, maxBytes = MAX_AUTH_BODY_BYTES): Promise<T> {
  return parseInput(schema, await readJsonObject(c, maxBytes));
}

/**
 * The token of a GET or POST verification link: `?token=` or, for POST, a JSON `{ token }` body
 * (a POST without a JSON body may still carry it in the query).
 */
export async function readToken(c: Context, schema: z.ZodType<{ token: string }>): Promise<string> {
  const fromQuery = c.req.query("token");
  if (c.req.method === "GET" || (fromQuery !== undefined && !c.req.header("content-type"))) {
    return parseInput(schema, { token: fromQuery }, "token").token;
  }
  return (await readBody(c, schema)).token;
}

/**
 * The signed-in user: set by the auth middleware (null when it found nobody), or, on a route the
 * middleware did not run for, authenticated here through the strategy.
 */
export async function requireSignedIn(c: Context<CovaraEnv>, kit: AuthKit): Promise<AuthUser> {
  const present = c.get("user");
  if (present) return present as AuthUser;
  // The middleware already looked and found nobody: looking again would repeat the store lookup.
  if (present === null) throw problems.unauthorized();
  const authenticated = await kit.strategy.authenticate(c);
  if (!authenticated) throw problems.unauthorized();
  return authenticated.user;
}

/**
 * Runs `work` after the response without awaiting it: on Workers through `waitUntil`, elsewhere
 * as a detached promise. A failure is logged and never reaches the client.
 */
export function runDetached(
  c: Context,
  label: string,
  work: () => Promise<void>,
  logger: Logger = defaultLogger(),
): void {
  const promise = Promise.resolve()
    .then(work)
    .catch((error: unknown) => logger.error(`[covara] ${label} failed:`, error));
  let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  try {
    // Hono's executionCtx getter throws outside Workers; that simply means no waitUntil.
    waitUntil = c.executionCtx.waitUntil.bind(c.executionCtx);
  } catch {
    waitUntil = undefined;
  }
  waitUntil?.(promise);
}

export { readBoundedText } from "../../../kernel/body";

/** Lowercases and trims an email so lookups, throttles and tokens agree on one spelling. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A 400 `invalid-token` problem: the token is unknown, expired or already used. */
export function invalidToken(detail = "The token is invalid, expired or already used"): ProblemError {
  return new ProblemError("invalid-token", { detail });
}
