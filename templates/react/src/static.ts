/** Serves the built SPA (dist/web, from `vite build`) from the API's own server. */
import { serveStatic } from "@hono/node-server/serve-static";
import type { MiddlewareHandler } from "hono";

export function serveSpa(app: { use(path: string, handler: MiddlewareHandler): unknown }): void {
  app.use("/*", serveStatic({ root: "./dist/web" }));
}
