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
 * Audit: every impersonated request is recorded (`impersonate_execute`, with both ids). A bypassed
 * request is recorded (`api_explorer_execute`) when it comes from outside the UI, a direct call
 * with the marker; the UI's own calls are marked by its forwarder and audited once, by the UI,
 * as the explicit action they serve (`api_explorer_execute` for the API explorer, `data_explorer_list`,
 * `row_update`, ...), so the reads behind a page (counts, the OpenAPI document, live rows) are not.
 *
 * A stream opened under either keeps it: the elevation is recorded on the request, and realtime's
 * re-checks re-apply it (stream-auth.ts), ending the stream once its admin is no admin any more.
 */
import { Context, type MiddlewareHandler } from "hono";
import "./problems";
import type { CovaraContext } from "../kernel/context";
import { ProblemError } from "../kernel/errors";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import { recordRequestElevation } from "../kernel/identity-events";
import type { AuditRecorder } from "./audit";
import { ADMIN_KEY_HEADER, type AdminPredicate, type AdminPrincipal } from "./predicate";
import type { AdminUserManager } from "./types";

/** The marker asking for the scope bypass; not a secret, it grants nothing on its own. */
export const ADMIN_BYPASS_HEADER = "x-covara-admin-bypass";
/** The marker naming the user an admin acts as. */
export const IMPERSONATE_HEADER = "x-covara-impersonate";

/** Requests granted the bypass by the middleware; the resource layer asks this set, per request. */
const bypassed = new WeakSet<Request>();

/** Requests the admin UI itself sends (forward.ts): the UI audits the action they serve. */
const fromUi = new WeakSet<Request>();

/** Marks a request as the admin UI's own call (its forwarder, in this process: not forgeable). */
export function markUiRequest(request: Request): void {
  fromUi.add(request);
}

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
 * Whether the admin who elevated a request still passes the predicate: checked on a context
 * whose user is the one loaded now (an admin API key is presented again, as it was).
 */
async function stillAdmin(
  c: Context<CovaraEnv>,
  admin: AdminPrincipal,
  adminKey: string | undefined,
  predicate: AdminPredicate,
): Promise<boolean> {
  c.set("impersonator", null);
  if (admin.user !== null) return (await predicate(c)) !== null;
  if (adminKey === undefined) return false;
  const keyed = new Context<CovaraEnv>(new Request(c.req.url, { headers: { [ADMIN_KEY_HEADER]: adminKey } }));
  return (await predicate(keyed))?.id === admin.id;
}

const NO_LONGER_ADMIN = "The stream was opened by an admin who is no longer one";

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
    const adminKey = admin.user === null ? c.req.header(ADMIN_KEY_HEADER) : undefined;
    const realUser = c.get("user") ?? null;
    if (target !== undefined) {
      const targetId = target.trim();
      const user = await resolveTarget(targetId, users);
      // One swap, and impersonation replaces the bypass: the target's scope, never more.
      c.set("impersonator", impersonatorOf(admin));
      c.set("user", user);
      recordRequestElevation(c.req.raw, {
        realUser,
        async reapply(fresh) {
          if (!(await stillAdmin(fresh, admin, adminKey, predicate)))
            throw new ProblemError("forbidden", { detail: NO_LONGER_ADMIN });
          const now = targetId === "" || users === undefined ? null : await users.getUser(targetId);
          if (now === null)
            throw new ProblemError("forbidden", { detail: `The impersonated user '${targetId}' no longer exists` });
          fresh.set("impersonator", impersonatorOf(admin));
          fresh.set("user", now);
        },
      });
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
    recordRequestElevation(c.req.raw, {
      realUser,
      async reapply(fresh) {
        if (!(await stillAdmin(fresh, admin, adminKey, predicate)))
          throw new ProblemError("forbidden", { detail: NO_LONGER_ADMIN });
        bypassed.add(fresh.req.raw);
      },
    });
    await next();
    if (!fromUi.has(c.req.raw))
      await record({ ...entry, action: "api_explorer_execute", detail: { status: c.res.status } });
  };
}
