/**
 * `requireUser(c)`: the authenticated user, or a 401 problem.
 */
import type { Context } from "hono";
import { problems } from "./errors";
import type { CovaraEnv, CovaraUser } from "./http";

/** Returns `c.get("user")`, throwing 401 `unauthorized` when the request is anonymous. */
export function requireUser(c: Context<CovaraEnv>): CovaraUser {
  const user = c.get("user");
  if (!user) throw problems.unauthorized();
  return user;
}
