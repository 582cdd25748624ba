/**
 * `cookieSession()`: a server-side session in a SessionStore, carried by an HttpOnly cookie.
 * The cookie holds a random token; the store keys the session by the token's SHA-256, so a leaked
 * store (or database dump) yields no usable cookie. Signing in always mints a new session and
 * deletes the one the request carried (no fixation); signing out deletes it; a user's sessions
 * can be ended together through the store's per-user index.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CovaraEnv } from "../../kernel/http";
import { createBoundedMemo } from "../../kernel/bounded-memo";
import { randomToken, sha256Url } from "../../kernel/web-crypto";
import type {
  AuthenticatedRequest,
  AuthUser,
  SessionData,
  SessionStore,
  SessionStrategy,
  StrategyContext,
} from "../types";
import { createKVSessionStore } from "../stores/kv-session-store";
import { createActivityTracker } from "./session-activity";
import {
  assertCookieOptions,
  clearCredentialCookie,
  writeCredentialCookie,
  type SessionCookieOptions,
} from "./session-cookie";
import { invalidateUserSessions } from "./session-invalidation";
import { unboundStrategyContext } from "./strategy-context";
import { publishIdentityRevoked } from "../../kernel/identity-events";
import { getAuthSession } from "../auth-middleware";

export interface CookieSessionOptions {
  /** Where sessions live (default: the KV session store over `useAuth`'s KV). */
  store?: SessionStore;
  /** Session lifetime in seconds (default 7 days). */
  ttlSeconds?: number;
  /** The session cookie (default name "covara.sid", SameSite=Lax, HttpOnly, Secure in production). */
  cookie?: SessionCookieOptions;
  /** Least time between two persisted `lastActiveAt` stamps, in seconds (default 60). */
  activityIntervalSeconds?: number;
}

/** A cookie session strategy; `sessionOf(c)` reads the request's session without the middleware. */
export interface CookieSessionStrategy extends SessionStrategy {
  readonly cookieName: string;
  /** The session store in use (after binding, the default one if none was given). */
  readonly store: SessionStore;
  /** Ends every session of a user but one (e.g. "sign out my other devices"). */
  revokeOthers(userId: string, exceptSessionId: string): Promise<number>;
}

const DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60;
/** 32 random bytes, base64url: anything else in the cookie is not ours. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Creates a cookie session strategy. */
export function cookieSession(options: CookieSessionOptions = {}): CookieSessionStrategy {
  const cookie = options.cookie ?? {};
  assertCookieOptions(cookie, "cookieSession.cookie");
  const cookieName = cookie.name ?? "covara.sid";
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!(ttlSeconds > 0)) throw new TypeError("covara/auth: cookieSession.ttlSeconds must be positive");
  let context: StrategyContext | undefined;
  let store = options.store;
  const ctx = () => (context ??= unboundStrategyContext());
  const sessions = (): SessionStore => (store ??= createKVSessionStore({ kv: ctx().kv }));
  const activity = createActivityTracker(sessions, (options.activityIntervalSeconds ?? 60) * 1000);

  // The digest of a token never changes; remembering recent ones spares a Web Crypto call per request.
  const digests = createBoundedMemo<string, string>(10_000);
  const sessionIdOf = async (token: string): Promise<string> => {
    const known = digests.get(token);
    if (known !== undefined) return known;
    const digest = await sha256Url(token);
    digests.set(token, digest);
    return digest;
  };

  /** The session id behind a cookie value, or null when it is none of ours. */
  async function sessionIdFrom(token: string | undefined): Promise<string | null> {
    if (token === undefined || !TOKEN_PATTERN.test(token)) return null;
    return sessionIdOf(token);
  }

  /** The session id behind the request's cookie, or null when it carries none of ours. */
  function presentedSessionId(c: Context): Promise<string | null> {
    return sessionIdFrom(getCookie(c, cookieName));
  }

  const strategy: CookieSessionStrategy = {
    name: "cookie-session",
    cookieName,
    get store() {
      return sessions();
    },

    bind(bound) {
      context = bound;
    },

    async issue(c: Context<CovaraEnv>, user: AuthUser) {
      // Rotation: whatever session the request carried before signing in never survives it.
      const previous = await presentedSessionId(c);
      if (previous !== null) {
        await sessions().delete(previous);
        // Streams opened under the replaced session end now, as after a logout.
        await publishIdentityRevoked({ sessionId: previous });
      }
      const token = randomToken(32);
      const now = Date.now();
      const session: SessionData = {
        id: await sessionIdOf(token),
        userId: String(user.id),
        createdAt: new Date(now),
        expiresAt: new Date(now + ttlSeconds * 1000),
        data: activity.initialData(c, ctx().clientIp(c)),
      };
      await sessions().create(session);
      writeCredentialCookie(c, cookieName, token, cookie, ttlSeconds);
      return { expiresAt: session.expiresAt.toISOString() };
    },

    async authenticate(c): Promise<AuthenticatedRequest | null> {
      const raw = getCookie(c, cookieName);
      if (raw === undefined) return null;
      const id = await sessionIdFrom(raw);
      const session = id === null ? null : await sessions().get(id);
      if (session === null || session.expiresAt.getTime() <= Date.now()) {
        // A stale or foreign cookie is dropped so the client stops sending it.
        clearCredentialCookie(c, cookieName, cookie);
        return null;
      }
      const user = await ctx().users.getById(session.userId);
      if (user === null) return null;
      activity.touch(session);
      return { user, session };
    },

    async revoke(c) {
      const raw = getCookie(c, cookieName);
      const id = await sessionIdFrom(raw);
      if (id !== null) {
        // Announced only when this request was authenticated by that very session: the auth
        // middleware already read it, so no second read is needed, and a session `/logout/all`
        // ended a moment ago (it clears the request's session first) is not announced again.
        const liveThisRequest = getAuthSession(c)?.session?.id === id;
        await sessions().delete(id);
        // Also for an app's own store: open subscription streams of this session end at once.
        if (liveThisRequest) await publishIdentityRevoked({ sessionId: id });
      }
      if (raw !== undefined) clearCredentialCookie(c, cookieName, cookie);
    },

    async revokeAll(userId) {
      await invalidateUserSessions(sessions(), userId);
    },

    revokeOthers(userId, exceptSessionId) {
      return invalidateUserSessions(sessions(), userId, exceptSessionId);
    },
  };
  return strategy;
}
