/**
 * The legacy adapter shape (`useAuth({ adapter })`) and its mapping onto a session strategy, so
 * the auth routes and middleware have one issuance and one authentication path whatever the app
 * passes. An adapter keeps its own behaviour: its `getUser` authenticates, its `createSession`
 * issues, its `destroySession` logs out.
 */
import type { Context, Hono } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import type { AuthUser, SessionStrategy, StrategyContext } from "../types";

/** An auth adapter as older apps pass it (JWT, Auth.js, Passport, or their own). */
export interface AuthAdapter {
  readonly name: string;
  /** The request's user, or null when it carries no credentials. */
  getUser(c: Context<CovaraEnv>): Promise<AuthUser | null>;
  /** Starts a session for `user` (sets cookies/headers); returns fields for the response body. */
  createSession?(c: Context<CovaraEnv>, user: AuthUser): Promise<Record<string, unknown> | void>;
  /** Ends the request's session. */
  destroySession?(c: Context<CovaraEnv>): Promise<void>;
  /** Ends every session of a user, except one when given (password reset, "log out everywhere"). */
  invalidateUserSessions?(userId: string, exceptSessionId?: string): Promise<number | void>;
  /** Receives `useAuth`'s users, KV and client-IP resolver. */
  bind?(context: StrategyContext): void;
  /** Extra routes the adapter serves on the auth router. */
  routes?(router: Hono<CovaraEnv>): void;
}

function isStrategy(value: AuthAdapter | SessionStrategy): value is SessionStrategy {
  return (
    typeof (value as SessionStrategy).issue === "function" &&
    typeof (value as SessionStrategy).authenticate === "function"
  );
}

/** Maps a legacy adapter onto a session strategy (a strategy passed here is returned as is). */
export function strategyFromAdapter(adapter: AuthAdapter | SessionStrategy): SessionStrategy {
  if (isStrategy(adapter)) return adapter;
  if (typeof adapter?.getUser !== "function") throw new TypeError("covara/auth: an adapter needs a getUser(c) method");
  return {
    name: `adapter:${adapter.name}`,
    async issue(c, user) {
      if (!adapter.createSession) {
        throw new TypeError(`covara/auth: the ${adapter.name} adapter cannot start sessions; give useAuth a strategy`);
      }
      return (await adapter.createSession(c, user)) ?? {};
    },
    async authenticate(c) {
      const user = await adapter.getUser(c);
      return user ? { user } : null;
    },
    async revoke(c) {
      await adapter.destroySession?.(c);
    },
    async revokeAll(userId) {
      await adapter.invalidateUserSessions?.(userId);
    },
    ...(adapter.routes ? { mount: (router: Hono<CovaraEnv>) => adapter.routes!(router) } : {}),
    ...(adapter.bind ? { bind: (context: StrategyContext) => adapter.bind!(context) } : {}),
  };
}
