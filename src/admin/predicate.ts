/**
 * The admin predicate: the one test of who is an admin, derived from the UI's options. The UI's
 * guard, the scope bypass and impersonation all ask it, so locking down the UI locks down both.
 */
import type { Context } from "hono";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import { constantTimeEqual, sha256Url } from "../kernel/web-crypto";
import type { AdminOptions } from "./types";

/** An admin, as the audit log names them. */
export interface AdminPrincipal {
  /** The user's id, or `apikey:<tag>` for an admin API key. */
  id: string;
  /** The session user, or null for an admin API key. */
  user: CovaraUser | null;
}

/** The header carrying an admin API key. */
export const ADMIN_KEY_HEADER = "x-covara-admin-key";

/** Answers whether the request's real identity is an admin, and who. */
export type AdminPredicate = (c: Context<CovaraEnv>) => Promise<AdminPrincipal | null>;

/** Whether the user's `role` is, or `roles` include, one of `roles`. */
function hasRole(user: CovaraUser, roles: readonly string[]): boolean {
  const { role, roles: userRoles } = user;
  if (typeof role === "string" && roles.includes(role)) return true;
  return Array.isArray(userRoles) && userRoles.some((entry) => typeof entry === "string" && roles.includes(entry));
}

/** The request's real user: the admin behind an impersonation, else the authenticated user. */
export function realUserOf(c: Context<CovaraEnv>): CovaraUser | null {
  return c.get("impersonator") ?? c.get("user") ?? null;
}

/** Builds the predicate of `options`. */
export function createAdminPredicate(options: AdminOptions): AdminPredicate {
  const roles = options.roles ?? ["admin"];
  const isAdmin = options.isAdmin ?? ((user: CovaraUser) => hasRole(user, roles));
  // Keys are compared as hashes so the comparison's length never depends on the secret.
  const keyHashes = Promise.all((options.apiKeys ?? []).filter((key) => key.length > 0).map((key) => sha256Url(key)));
  return async (c) => {
    const user = realUserOf(c);
    if (user !== null && (await isAdmin(user, c))) return { id: String(user.id), user };
    const presented = c.req.header(ADMIN_KEY_HEADER);
    if (presented === undefined || presented === "") return null;
    const hash = await sha256Url(presented);
    let matched = false;
    for (const candidate of await keyHashes) matched = constantTimeEqual(hash, candidate) || matched;
    return matched ? { id: `apikey:${hash.slice(0, 8)}`, user: null } : null;
  };
}
