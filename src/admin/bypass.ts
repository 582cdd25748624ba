/**
 * The admin scope bypass and impersonation, as the auth contracts define them. One middleware runs
 * on every request of an app whose admin UI is mounted, after authentication:
 *
 * - `x-covara-impersonate: <userId>` from a real admin swaps `c.get("user")` to the target (found
 *   through the userManager) once, keeping the admin in `c.get("impersonator")`; the target's own
 *   scopes then apply. Admin routes (`/__covara/*`) are exempt.
 * - `x-covara-admin-bypass` from a real admin who is not impersonating lets the resource layer skip
 *   per-resource scopes (through `context.adminBypass`). From anyone else both markers are inert.
 *
 * Every bypassed or impersonated request is audited with the admin's id (and the target's).
 */
import type { Context, MiddlewareHandler } from "hono";
import "./problems";
import type { CovaraContext } from "../kernel/context";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import type { AuditRecorder } from "./audit";
import type { AdminPredicate, AdminPrincipal } from "./predicate";
import type { AdminUserManager } from "./types";

/** The marker asking for the scope bypass; not a secret, it grants nothing on its own. */
export const ADMIN_BYPASS_HEADER = "x-covara-admin-bypass";
/** The marker naming the user an admin acts as. */
export const IMPERSONATE_HEADER = "x-covara-impersonate";

/** Requests granted the bypass by the middleware; the resource layer asks this set, per request. */
const bypassed = new WeakSet<Request>();

/** Whether `path` belongs to covara's own admin routes, which impersonation never touches. */
function isAdminPath(path: string): boolean {
  return path === "/__covara" || path.startsWith("/__covara/");
}

/** The user an admin impersonates: the userManager's answer, or a 404 problem. */
async function resolveTarget(id: string, users: AdminUserManager | undefined): Promise<CovaraUser> {
  const user = id === "" || users === undefined ? null : await users.getUser(id);
  if (user === null)
    throw new ProblemError("impersonation-target-not-found", { detail: `No user with id '${id}' can be impersonated` });
  return user;
}

/** Who the impersonator is, as `c.get("impersonator")` carries it (an admin API key has no user). */
function impersonatorOf(admin: AdminPrincipal): CovaraUser {
  return admin.user ?? { id: admin.id };
}

/**
 * Registers the bypass on the app's context and returns the middleware doing the swap, the
 * bypass decision and their audit.
 */
export function adminIdentity(
  context: CovaraContext,
  predicate: AdminPredicate,
  users: AdminUserManager | undefined,
  record: AuditRecorder,
): MiddlewareHandler<CovaraEnv> {
  context.adminBypass = async (c: Context<CovaraEnv>) => bypassed.has(c.req.raw);
  return async (c, next) => {
    const target = c.req.header(IMPERSONATE_HEADER);
    const wantsBypass = c.req.header(ADMIN_BYPASS_HEADER) !== undefined;
    if ((target === undefined && !wantsBypass) || isAdminPath(c.req.path)) return next();
    const admin = await predicate(c);
    // A marker from anyone but an admin is inert: the request runs under normal enforcement.
    if (admin === null) return next();
    const entry = { adminId: admin.id, method: c.req.method, path: c.req.path };
    if (target !== undefined) {
      const user = await resolveTarget(target.trim(), users);
      // One swap, and impersonation replaces the bypass: the target's scope, never more.
      c.set("impersonator", impersonatorOf(admin));
      c.set("user", user);
      await next();
      await record({
        ...entry,
        action: "impersonate_execute",
        impersonatedId: String(user.id),
        detail: { status: c.res.status },
      });
      return;
    }
    bypassed.add(c.req.raw);
    await next();
    await record({ ...entry, action: "api_explorer_execute", detail: { status: c.res.status } });
  };
}
