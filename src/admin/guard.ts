/**
 * The lock on every admin UI route: anonymous requests get 401, authenticated non-admins 403, as
 * problem+json that names nothing of the UI. The admin found is kept for the handlers.
 */
import type { Context, MiddlewareHandler } from "hono";
import { problems } from "../kernel/errors";
import type { CovaraEnv } from "../kernel/http";
import { ADMIN_KEY_HEADER, type AdminPredicate, type AdminPrincipal, realUserOf } from "./predicate";

const admins = new WeakMap<Request, AdminPrincipal>();

/** The admin the guard let through for this request. */
export function adminOf(c: Context<CovaraEnv>): AdminPrincipal {
  const admin = admins.get(c.req.raw);
  // The guard runs before every handler that asks; reaching here without it is a wiring bug.
  if (admin === undefined) throw problems.unauthorized();
  return admin;
}

/** Refuses everyone the predicate does not name an admin. */
export function adminGuard(predicate: AdminPredicate): MiddlewareHandler<CovaraEnv> {
  return async (c, next) => {
    const admin = await predicate(c);
    if (admin === null) {
      const anonymous = realUserOf(c) === null && c.req.header(ADMIN_KEY_HEADER) === undefined;
      throw anonymous ? problems.unauthorized() : problems.forbidden("This area is for administrators");
    }
    admins.set(c.req.raw, admin);
    c.header("cache-control", "no-store");
    await next();
  };
}
