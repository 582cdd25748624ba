/**
 * `createAuthJsAdapter({ adapter })`: database sessions in the shape of an Auth.js adapter
 * (`getSessionAndUser`, `createSession`, `deleteSession`), read from and written to the Auth.js
 * session cookie, so covara and an Auth.js app can share sign-ins. Signing in rotates the
 * session token. (Auth.js's encrypted-JWT session strategy is not read.)
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CovaraEnv } from "../../kernel/http";
import { randomToken } from "../../kernel/web-crypto";
import {
  assertCookieOptions,
  clearCredentialCookie,
  writeCredentialCookie,
  type SessionCookieOptions,
} from "../strategies/session-cookie";
import type { AuthUser } from "../types";
import type { AuthAdapter } from "./legacy-adapter";

/** The session and user shapes of an Auth.js database adapter. */
export interface AuthJsSession {
  sessionToken: string;
  userId: string;
  expires: Date;
}

export interface AuthJsUser {
  id: string;
  email?: string | null;
  name?: string | null;
  image?: string | null;
  emailVerified?: Date | null;
}

/** The methods of an Auth.js adapter this one uses. */
export interface AuthJsSessionAdapter {
  getSessionAndUser(sessionToken: string): Promise<{ session: AuthJsSession; user: AuthJsUser } | null>;
  createSession?(session: AuthJsSession): Promise<unknown>;
  deleteSession?(sessionToken: string): Promise<unknown>;
}

export interface AuthJsAdapterOptions {
  adapter: AuthJsSessionAdapter;
  /** Cookie written at sign-in (default "authjs.session-token"); the __Secure- and next-auth names are also read. */
  cookie?: SessionCookieOptions;
  /** Session lifetime in seconds (default 30 days, as Auth.js). */
  maxAgeSeconds?: number;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** Creates an adapter over an Auth.js database adapter's sessions. */
export function createAuthJsAdapter(options: AuthJsAdapterOptions): AuthAdapter {
  if (typeof options.adapter?.getSessionAndUser !== "function") {
    throw new TypeError("covara/auth: createAuthJsAdapter needs an Auth.js adapter with getSessionAndUser");
  }
  const cookie = options.cookie ?? {};
  assertCookieOptions(cookie, "createAuthJsAdapter.cookie");
  const cookieName = cookie.name ?? "authjs.session-token";
  const readNames = [
    cookieName,
    `__Secure-${cookieName}`,
    "next-auth.session-token",
    "__Secure-next-auth.session-token",
  ];
  const maxAge = options.maxAgeSeconds ?? 30 * 24 * 60 * 60;

  function presentedToken(c: Context): string | undefined {
    for (const name of readNames) {
      const value = getCookie(c, name);
      if (value !== undefined && TOKEN_PATTERN.test(value)) return value;
    }
    return undefined;
  }

  return {
    name: "authjs",
    async getUser(c: Context<CovaraEnv>): Promise<AuthUser | null> {
      const token = presentedToken(c);
      if (token === undefined) return null;
      const found = await options.adapter.getSessionAndUser(token);
      if (!found || new Date(found.session.expires).getTime() <= Date.now()) return null;
      const { user } = found;
      return { ...user, id: String(user.id) };
    },
    async createSession(c, user) {
      if (!options.adapter.createSession) throw new TypeError("covara/auth: the Auth.js adapter has no createSession");
      const previous = presentedToken(c);
      if (previous !== undefined) await options.adapter.deleteSession?.(previous);
      const sessionToken = randomToken(32);
      const expires = new Date(Date.now() + maxAge * 1000);
      await options.adapter.createSession({ sessionToken, userId: String(user.id), expires });
      writeCredentialCookie(c, cookieName, sessionToken, cookie, maxAge);
      return { expiresAt: expires.toISOString() };
    },
    async destroySession(c) {
      const token = presentedToken(c);
      if (token !== undefined) await options.adapter.deleteSession?.(token);
      for (const name of readNames) if (getCookie(c, name) !== undefined) clearCredentialCookie(c, name, cookie);
    },
  };
}
