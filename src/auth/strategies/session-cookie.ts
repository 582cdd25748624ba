/**
 * Options and writing of the cookies strategies set: HttpOnly always, Secure in production (or
 * over https), SameSite=Lax unless configured otherwise.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { shouldUseSecureCookies } from "../security/csrf";

export interface SessionCookieOptions {
  /** Cookie name. */
  name?: string;
  /** SameSite attribute (default "Lax"). */
  sameSite?: "Strict" | "Lax" | "None";
  /** Secure attribute (default: when NODE_ENV is production or the request is https). */
  secure?: boolean;
  domain?: string;
  /** Cookie path (default "/"). */
  path?: string;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

/** Cookies named __Secure-/__Host- are refused by browsers unless Secure. */
function prefixDemandsSecure(name: string): boolean {
  return /^__(secure|host)-/i.test(name);
}

/** Checks a cookie configuration once, at construction. */
export function assertCookieOptions(options: SessionCookieOptions, where: string): void {
  if (options.name !== undefined && !COOKIE_NAME.test(options.name))
    throw new TypeError(`covara/auth: ${where}.name is not a valid cookie name`);
  if (options.sameSite === "None" && options.secure === false) {
    throw new TypeError(`covara/auth: ${where}: SameSite=None requires a Secure cookie`);
  }
}

/** Sets an HttpOnly credential cookie living `maxAgeSeconds`. */
export function writeCredentialCookie(
  c: Context,
  name: string,
  value: string,
  options: SessionCookieOptions,
  maxAgeSeconds: number,
  path = options.path ?? "/",
): void {
  const sameSite = options.sameSite ?? "Lax";
  setCookie(c, name, value, {
    httpOnly: true,
    secure: sameSite === "None" || prefixDemandsSecure(name) ? true : shouldUseSecureCookies(c, options.secure),
    sameSite,
    path,
    ...(options.domain ? { domain: options.domain } : {}),
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

/** Expires a credential cookie on the client, even when the request then ends in an error response. */
export function clearCredentialCookie(
  c: Context,
  name: string,
  options: SessionCookieOptions,
  path = options.path ?? "/",
): void {
  // Headers prepared on a context are dropped when an error handler builds the response, but those
  // of a materialised response are carried over: a stale cookie must be cleared on a 401 too.
  void c.res;
  deleteCookie(c, name, {
    path,
    secure: prefixDemandsSecure(name) || shouldUseSecureCookies(c, options.secure),
    httpOnly: true,
    sameSite: options.sameSite ?? "Lax",
    ...(options.domain ? { domain: options.domain } : {}),
  });
}
