/** Reading a bearer token (RFC 6750) and the uniform 401 every rejected token gets. */
import "../problems";
import type { Context } from "hono";
import { ProblemError } from "../../kernel/errors";

/** One detail for every token failure: it says what to do, never what was wrong. */
export const INVALID_TOKEN_DETAIL = "The access token is invalid or expired; sign in again";

/** The token of an `Authorization: Bearer …` header value, undefined for anything else. */
export function bearerFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}

/** The bearer token of the request, undefined when there is no Bearer Authorization header. */
export function bearerToken(c: Context): string | undefined {
  return bearerFromHeader(c.req.header("authorization"));
}

/**
 * True when a bearer token has the shape of a compact JWS. Other bearer credentials (API keys,
 * opaque tokens) are not a JWT strategy's to judge: it leaves them to other authenticators.
 */
export function looksLikeJwt(token: string): boolean {
  return token.length <= 16_384 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** The 401 for any rejected token: same status, body and header whatever the reason. */
export function invalidToken(): ProblemError {
  return new ProblemError("invalid-token", {
    detail: INVALID_TOKEN_DETAIL,
    headers: { "www-authenticate": 'Bearer error="invalid_token"' },
  });
}
