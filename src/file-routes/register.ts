/** Registers loaded routes on a Hono app as ordinary routes: the file's middleware, then the validating handler. */
import type { Hono } from "hono";
import type { CovaraEnv } from "../kernel/http";
import { compareRoutes } from "./paths";
import type { LoadedRoute } from "./load";
import { routeHandler } from "./validate";

/** Adds every route to `target`, static paths before dynamic ones. */
export function registerRoutes(target: Hono<CovaraEnv>, routes: readonly LoadedRoute[], maxBodyBytes: number): void {
  for (const route of [...routes].sort((a, b) => compareRoutes(a.path, b.path))) {
    for (const { method, schema, handler, middleware } of route.methods) {
      target.on(method, [route.path.hono], ...middleware, routeHandler(schema, handler, maxBodyBytes));
    }
  }
}
