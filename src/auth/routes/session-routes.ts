/**
 * GET /me, POST /logout, POST /logout/all and (with double-submit CSRF) GET /csrf.
 */
import type { Hono } from "hono";
import type { CovaraEnv } from "../../kernel/http";
import { requireUser } from "../../kernel/require-user";
import { clearAuthSession, getAuthSession } from "../auth-middleware";
import { issueCsrfToken, type ResolvedCsrf } from "../security/csrf";
import type { AuthUser, SessionStrategy } from "../types";

export interface SessionRouteParts {
  strategy: SessionStrategy;
  exposeUser(user: AuthUser): Record<string, unknown>;
  csrf: ResolvedCsrf | null;
}

/** Mounts the session routes. */
export function mountSessionRoutes(router: Hono<CovaraEnv>, parts: SessionRouteParts): void {
  router.get("/me", (c) => {
    const user = requireUser(c) as AuthUser;
    const session = getAuthSession(c)?.session;
    return c.json({
      user: parts.exposeUser(user),
      ...(session
        ? { session: { createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString() } }
        : {}),
    });
  });

  router.post("/logout", async (c) => {
    // Idempotent: logging out without a session is still a success.
    await parts.strategy.revoke(c);
    clearAuthSession(c);
    return c.json({ success: true });
  });

  router.post("/logout/all", async (c) => {
    const user = requireUser(c);
    await parts.strategy.revokeAll(String(user.id));
    // revokeAll announced every session of the user; clearing first keeps revoke from repeating it.
    clearAuthSession(c);
    await parts.strategy.revoke(c);
    return c.json({ success: true });
  });

  const csrf = parts.csrf;
  if (csrf && csrf.mode !== "origin") {
    router.get("/csrf", (c) => c.json({ csrfToken: issueCsrfToken(c, csrf) }));
  }
}
