/**
 * The AuthKit `useAuth` hands to every feature: users, tokens, KV, the strategy, and the one
 * sign-in path (features' `beforeSignIn` hooks, then `strategy.issue`).
 */
import type { Logger } from "../kernel/logger";
import type { Context } from "hono";
import type { KV } from "../kernel/kv";
import type { CovaraEnv } from "../kernel/http";
import { authBasePath } from "./routes/auth-base-path";
import { issueCsrfToken, type ResolvedCsrf } from "./security/csrf";
import type { Throttle } from "../kernel/throttle";
import { getGlobalEmail, sendEmail as sendThroughGlobalEmail } from "../email";
import type {
  AuthEmail,
  AuthFeature,
  AuthKit,
  AuthUser,
  SessionStrategy,
  UserDirectory,
  VerificationTokenStore,
} from "./types";

export interface AuthKitParts {
  kv: KV;
  users: UserDirectory;
  tokens: VerificationTokenStore;
  strategy: SessionStrategy;
  features: readonly AuthFeature[];
  throttle: Throttle;
  clientIp(c: Context<CovaraEnv>): string;
  sendEmail?: (email: AuthEmail) => Promise<void>;
  /** Public origin (and optional path prefix) for links in emails; default: the request's origin. */
  baseUrl?: string;
  exposeUser(user: AuthUser): Record<string, unknown>;
  csrf: ResolvedCsrf | null;
  logger?: Logger;
}

/** Builds the kit. */
export function createAuthKit(parts: AuthKitParts): AuthKit {
  const kit: AuthKit = {
    kv: parts.kv,
    users: parts.users,
    tokens: parts.tokens,
    strategy: parts.strategy,
    logger: parts.logger,

    async signIn(c, user, method) {
      for (const feature of parts.features) {
        const answer = await feature.beforeSignIn?.(c, user, method, kit);
        if (answer) return answer;
      }
      return kit.completeSignIn(c, user, method);
    },

    async completeSignIn(c, user) {
      const issued = await parts.strategy.issue(c, user);
      const body: Record<string, unknown> = { user: parts.exposeUser(user), ...issued };
      // A new session gets a new CSRF token, so a token seen before sign-in is worthless after.
      if (parts.csrf && parts.csrf.mode !== "origin") body.csrfToken = issueCsrfToken(c, parts.csrf, true);
      c.header("cache-control", "no-store");
      return c.json(body);
    },

    async sendEmail(email) {
      if (parts.sendEmail) return parts.sendEmail(email);
      // No sender of the app's own: the adapter registered with covara/email's setGlobalEmail.
      if (!getGlobalEmail())
        throw new TypeError(
          "covara/auth: this feature sends email; pass sendEmail to useAuth or register an adapter with setGlobalEmail (covara/email)",
        );
      await sendThroughGlobalEmail({
        to: email.to,
        subject: email.subject,
        text: email.text,
        ...(email.html === undefined ? {} : { html: email.html }),
      });
    },

    async throttle(_c, key) {
      await parts.throttle.hit(key);
    },

    clientIp: parts.clientIp,

    url(c, path) {
      const base = parts.baseUrl?.replace(/\/+$/, "") ?? new URL(c.req.url).origin;
      const suffix = path.startsWith("/") ? path : `/${path}`;
      return `${base}${authBasePath(c) ?? ""}${suffix}`;
    },
  };
  return kit;
}
