/**
 * CSRF protection of the admin UI's state changes: every POST carries a token derived from the
 * admin's identity with an HMAC (in the `_csrf` form field or the `x-covara-csrf` header), and a
 * cross-origin `Origin` is refused outright. A token only works for the admin it was made for.
 */
import type { Context, MiddlewareHandler } from "hono";
import "./problems";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { constantTimeEqual, encodeBase64Url, randomToken } from "../kernel/web-crypto";
import type { AdminPrincipal } from "./predicate";

/** The form field and header carrying the token. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-covara-csrf";

/** Makes and checks tokens with one key. */
export interface CsrfTokens {
  tokenFor(admin: AdminPrincipal): Promise<string>;
  /** Middleware refusing a state change without a valid token (403 `admin-csrf-invalid`). */
  protect(adminOf: (c: Context<CovaraEnv>) => AdminPrincipal): MiddlewareHandler<CovaraEnv>;
}

function invalid(detail: string): ProblemError {
  return new ProblemError("admin-csrf-invalid", { detail });
}

/** The token sent with the request: header first, else the url-encoded or multipart form field. */
async function presentedToken(c: Context<CovaraEnv>): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header !== undefined) return header;
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data"))
    return undefined;
  const field = (await c.req.parseBody())[CSRF_FIELD];
  return typeof field === "string" ? field : undefined;
}

/** Creates the token maker over `secret` (a random one when absent). */
export function createCsrfTokens(secret: string = randomToken(32)): CsrfTokens {
  const key = crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  async function tokenFor(admin: AdminPrincipal): Promise<string> {
    const signature = await crypto.subtle.sign(
      "HMAC",
      await key,
      new TextEncoder().encode(`covara-admin-csrf:${admin.id}`),
    );
    return encodeBase64Url(new Uint8Array(signature));
  }
  return {
    tokenFor,
    protect: (adminOf) => async (c, next) => {
      if (c.req.method === "GET" || c.req.method === "HEAD") return next();
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin)
        throw invalid("Cross-origin requests may not change anything here");
      const presented = await presentedToken(c);
      if (presented === undefined || !constantTimeEqual(presented, await tokenFor(adminOf(c))))
        throw invalid("Reload the page and try again");
      return next();
    },
  };
}
