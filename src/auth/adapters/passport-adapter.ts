/**
 * `createPassportAdapter({ getUserById, sessionStore })`: Passport-style sessions — the session
 * holds the serialized user id, the user is deserialized with `getUserById` on each request —
 * over any covara SessionStore (memory, KV/Redis, Drizzle), with rotation on login.
 */
import { cookieSession } from "../strategies/cookie-session";
import type { SessionCookieOptions } from "../strategies/session-cookie";
import { invalidateUserSessions } from "../strategies/session-invalidation";
import { unboundStrategyContext } from "../strategies/strategy-context";
import type { AuthUser, SessionStore } from "../types";
import type { AuthAdapter } from "./legacy-adapter";

export interface PassportAdapterOptions {
  /** Deserializes a user from the id the session holds. */
  getUserById(id: string): Promise<AuthUser | null>;
  sessionStore: SessionStore;
  /** Session lifetime in seconds (default 7 days). */
  ttlSeconds?: number;
  /** The session cookie (default name "covara.sid"). */
  cookie?: SessionCookieOptions;
}

/** Creates a Passport-style session adapter. */
export function createPassportAdapter(options: PassportAdapterOptions): AuthAdapter {
  if (typeof options.getUserById !== "function")
    throw new TypeError("covara/auth: createPassportAdapter needs getUserById");
  if (!options.sessionStore) throw new TypeError("covara/auth: createPassportAdapter needs a sessionStore");
  const sessions = cookieSession({
    store: options.sessionStore,
    ttlSeconds: options.ttlSeconds,
    cookie: options.cookie,
  });
  const getById = (id: string) => options.getUserById(id);
  // Usable before (or without) useAuth: users come from getUserById either way.
  sessions.bind!({ ...unboundStrategyContext(), users: { getById } });
  return {
    name: "passport",
    bind(context) {
      sessions.bind!({ ...context, users: { ...context.users, getById } });
    },
    async getUser(c) {
      return (await sessions.authenticate(c))?.user ?? null;
    },
    createSession: (c, user) => sessions.issue(c, user),
    destroySession: (c) => sessions.revoke(c),
    invalidateUserSessions: (userId, exceptSessionId) =>
      invalidateUserSessions(options.sessionStore, userId, exceptSessionId),
  };
}
