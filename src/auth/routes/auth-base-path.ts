/**
 * Where the auth router is mounted ("/api/auth"), remembered per request by the router's first
 * middleware, so cookies can be scoped to it and emails can link to its routes.
 */
import type { Context } from "hono";
import { basePath } from "hono/route";

const basePaths = new WeakMap<Request, string>();

/** Records the auth router's mount path for this request (called by the router's middleware). */
export function rememberAuthBasePath(c: Context): void {
  basePaths.set(c.req.raw, basePath(c).replace(/\/+$/, ""));
}

/** The auth router's mount path for this request ("" at the root), or undefined outside it. */
export function authBasePath(c: Context): string | undefined {
  return basePaths.get(c.req.raw);
}
