/**
 * `app.fileRoutes(dir)`: loads `routes/<path>/index.ts` modules and registers them on the app as
 * ordinary Hono routes (or, under `covara dev`, behind a dispatcher that reloads them on change).
 */
import type { ErrorHandler, Hono } from "hono";
import { DEFAULT_MAX_BODY_BYTES } from "../kernel/body";
import type { CovaraEnv } from "../kernel/http";
import type { Logger } from "../kernel/logger";
import { createHotRoutes, devHost } from "./hot";
import { loadRoutes, type LoadedRoute } from "./load";
import { fileRoutePaths } from "./openapi";
import { joinUrl } from "./paths";
import { registerRoutes } from "./register";
import { toDirectory } from "./scan";
import type { FileRoutesOptions } from "./types";

/** What the app gives its file routes. */
export interface FileRoutesHost {
  basePath: string;
  logger: Logger;
  // Env-agnostic (the kernel's handler): the hot inner app carries variables of any name.
  onError: ErrorHandler;
}

/** A mounted routes directory: its OpenAPI paths, current after every reload. */
export interface MountedFileRoutes {
  paths(): Record<string, Record<string, unknown>>;
  /** Changes after every reload, so a cached OpenAPI document knows to rebuild. */
  readonly version: number;
}

/** Loads `dir`'s routes and mounts them on `app`. */
export async function mountFileRoutes(
  app: Hono<CovaraEnv>,
  dir: string | URL,
  options: FileRoutesOptions,
  host: FileRoutesHost,
): Promise<MountedFileRoutes> {
  const routesDir = await toDirectory(dir);
  const schemasDir =
    options.schemas !== undefined
      ? await toDirectory(options.schemas)
      : routesDir.replace(/[\\/][^\\/]+[\\/]?$/, "/schemas");
  const prefix = options.prefix ?? host.basePath;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const dev = devHost();
  const hot = options.hot ?? dev !== undefined;
  let version = 0;
  let routes: readonly LoadedRoute[] = await loadRoutes(routesDir, schemasDir, prefix, version, host.logger);
  const mounted: MountedFileRoutes = {
    paths: () => fileRoutePaths(routes),
    get version() {
      return version;
    },
  };
  if (!hot) {
    registerRoutes(app, routes, maxBodyBytes);
    return mounted;
  }
  const hotRoutes = createHotRoutes(routes, maxBodyBytes, host.onError);
  app.all(prefix, hotRoutes.dispatch);
  app.all(joinUrl(prefix, "*"), hotRoutes.dispatch);
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadRoutes(routesDir, schemasDir, prefix, version + 1, host.logger);
        version += 1;
        routes = next;
        hotRoutes.replace(next);
        host.logger.info?.(`covara: file routes reloaded (${next.length} route files)`, { source: "file-routes" });
      } catch (error) {
        host.logger.error("covara: the file routes could not be reloaded; the previous ones keep serving", error, {
          source: "file-routes",
        });
      }
    });
  };
  dev?.watch([routesDir, schemasDir], reload);
  return mounted;
}
