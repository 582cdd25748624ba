/**
 * CSRF protection (opt-in). Two checks, usable alone or together:
 *  - "origin": an unsafe request (POST, PUT, PATCH, DELETE) from a browser must come from the
 *    app's own host or an allowed origin (Origin, else Referer, and Sec-Fetch-Site);
 *  - "double-submit": an unsafe request authenticated by a cookie must echo the CSRF cookie's
 *    value in a header, which a cross-site page cannot read.
 * Requests carrying an Authorization header are exempt: a browser never attaches one on its own.
 */
import "../problems";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ProblemError } from "../../kernel/errors";
import type { CovaraEnv } from "../../kernel/http";
import { randomToken } from "../../kernel/web-crypto";
import { constantTimeEqual } from "../stores/secrets";

export type CsrfMode = "origin" | "double-submit" | "both";

export interface CsrfOptions {
  /** Which checks run (default "origin"). */
  mode?: CsrfMode;
  /** Origins besides the app's own host allowed to send unsafe requests ("https://app.example.com"). */
  allowedOrigins?: readonly string[];
  /** The double-submit cookie (default "covara.csrf"; readable by scripts on purpose). */
  cookieName?: string;
  /** The header that must echo it (default "x-csrf-token"). */
  headerName?: string;
  /** Mark the cookie Secure (default: in production or over https). */
  secure?: boolean;
}

export interface ResolvedCsrf {
  mode: CsrfMode;
  allowedOrigins: ReadonlySet<string>;
  cookieName: string;
  headerName: string;
  secure?: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Normalises `true` / options into the settings the checks use. */
export function resolveCsrf(options: boolean | CsrfOptions | undefined): ResolvedCsrf | null {
  if (!options) return null;
  const config = options === true ? {} : options;
  const allowedOrigins = new Set<string>();
  for (const origin of config.allowedOrigins ?? []) {
    if (!URL.canParse(origin))
      throw new TypeError(`covara/auth: csrf.allowedOrigins: ${JSON.stringify(origin)} is not a URL`);
    allowedOrigins.add(new URL(origin).origin);
  }
  return {
    mode: config.mode ?? "origin",
    allowedOrigins,
    cookieName: config.cookieName ?? "covara.csrf",
    headerName: (config.headerName ?? "x-csrf-token").toLowerCase(),
    secure: config.secure,
  };
}

function rejected(detail: string): ProblemError {
  return new ProblemError("csrf-rejected", { detail });
}

/** True when the request comes from the app's own host or an allowed origin (or from a non-browser client). */
function originAllowed(c: Context, settings: ResolvedCsrf): boolean {
  const ownHost = new URL(c.req.url).host;
  const matches = (origin: string) => {
    if (!URL.canParse(origin)) return false;
    const url = new URL(origin);
    // Host, not scheme: behind a TLS-terminating proxy the app sees http for an https page.
    return url.host === ownHost || settings.allowedOrigins.has(url.origin);
  };
  const origin = c.req.header("origin");
  if (origin !== undefined) return origin !== "null" && matches(origin);
  const referer = c.req.header("referer");
  if (referer !== undefined) return matches(referer);
  // Neither header: not a browser (browsers send Origin on every cross-origin unsafe request).
  return c.req.header("sec-fetch-site") !== "cross-site";
}

/**
 * Throws 403 `csrf-rejected` when an unsafe request fails the configured checks.
 * `cookieAuthenticated` says whether the request's identity came from a cookie.
 */
export function verifyCsrf(c: Context, settings: ResolvedCsrf, cookieAuthenticated: boolean): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (c.req.header("authorization") !== undefined) return;
  if (settings.mode !== "double-submit" && !originAllowed(c, settings)) {
    throw rejected("The request comes from an origin that is not allowed");
  }
  if (settings.mode !== "origin" && cookieAuthenticated) {
    const expected = getCookie(c, settings.cookieName);
    const presented = c.req.header(settings.headerName);
    if (!expected || !presented || !constantTimeEqual(expected, presented)) {
      throw rejected(`The ${settings.headerName} header must echo the ${settings.cookieName} cookie`);
    }
  }
}

/** True when cookies for this request should be Secure: production, or an https request. */
export function shouldUseSecureCookies(c: Context, override?: boolean): boolean {
  if (override !== undefined) return override;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV === "production" || new URL(c.req.url).protocol === "https:";
}

/** Returns the request's CSRF token, setting a fresh cookie when it has none (or `rotate` is set). */
export function issueCsrfToken(c: Context, settings: ResolvedCsrf, rotate = false): string {
  const existing = getCookie(c, settings.cookieName);
  if (existing && !rotate && /^[A-Za-z0-9_-]{32,64}$/.test(existing)) return existing;
  const token = randomToken(32);
  setCookie(c, settings.cookieName, token, {
    path: "/",
    sameSite: "Lax",
    secure: shouldUseSecureCookies(c, settings.secure),
    // Not HttpOnly: the page's own scripts read it to echo it in the header.
    httpOnly: false,
  });
  return token;
}

/** Standalone CSRF middleware for any Hono app; with "double-submit", any request carrying cookies counts as cookie-authenticated. */
export function csrfProtection(options: CsrfOptions = {}): MiddlewareHandler<CovaraEnv> {
  const settings = resolveCsrf(options)!;
  return async (c, next) => {
    verifyCsrf(c, settings, c.req.header("cookie") !== undefined);
    await next();
  };
}
