/**
 * Loads the route modules of a directory and their co-located schemas into route definitions.
 * A module that fails to import, or exports something that is not a handler, is reported with its
 * path and left out; every other route still loads.
 */
import type { MiddlewareHandler } from "hono";
import type { CovaraEnv } from "../kernel/http";
import type { Logger } from "../kernel/logger";
import { isDefinedRoute } from "./define";
import { routePath, type RoutePath } from "./paths";
import { findModules, moduleUrl } from "./scan";
import type { LoadedHandler, RouteMethod, RouteSchema } from "./types";

export const ROUTE_METHODS: readonly RouteMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** Methods whose body the route reads and validates. */
const BODY_METHODS: ReadonlySet<RouteMethod> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** One method of one route, ready to register. */
export interface LoadedMethod {
  method: RouteMethod;
  schema: RouteSchema;
  handler: LoadedHandler;
  middleware: readonly MiddlewareHandler<CovaraEnv>[];
}

export interface LoadedRoute {
  path: RoutePath;
  file: string;
  methods: LoadedMethod[];
}

function isZod(value: unknown): value is NonNullable<RouteSchema["body"]> {
  return typeof value === "object" && value !== null && "safeParse" in value && typeof value.safeParse === "function";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The schema of `method` from what a file exported: a RouteSchema, a bare Zod type (the body) or one per method. */
export function schemaFor(method: RouteMethod, exported: unknown, where: string): RouteSchema {
  if (exported === undefined || exported === null) return {};
  if (isZod(exported)) return BODY_METHODS.has(method) ? { body: exported } : {};
  if (!isRecord(exported)) throw new TypeError(`${where}: the schema must be a Zod type or { body, query, params }`);
  if (ROUTE_METHODS.some((name) => name in exported)) return schemaFor(method, exported[method], where);
  const schema: RouteSchema = {};
  for (const part of ["body", "query", "params"] as const) {
    const value = exported[part];
    if (value === undefined) continue;
    if (!isZod(value)) throw new TypeError(`${where}: schema.${part} must be a Zod type`);
    if (part !== "body" || BODY_METHODS.has(method)) schema[part] = value;
  }
  return schema;
}

function middlewareOf(module: Record<string, unknown>, where: string): MiddlewareHandler<CovaraEnv>[] {
  const exported = module.middleware;
  if (exported === undefined) return [];
  const list: unknown[] = Array.isArray(exported) ? exported : [exported];
  const handlers: MiddlewareHandler<CovaraEnv>[] = [];
  for (const item of list) {
    if (typeof item !== "function")
      throw new TypeError(`${where}: middleware must be a function or a list of functions`);
    handlers.push((c, next) => item(c, next));
  }
  return handlers;
}

/** The methods a route module serves, each with its schema and middleware. */
function methodsOf(
  module: Record<string, unknown>,
  schemaModule: Record<string, unknown> | undefined,
  where: string,
): LoadedMethod[] {
  const fileSchema = module.schema ?? schemaModule?.default ?? schemaModule?.schema;
  const fileMiddleware = middlewareOf(module, where);
  const methods: LoadedMethod[] = [];
  for (const method of ROUTE_METHODS) {
    const exported = module[method];
    if (exported === undefined) continue;
    if (isDefinedRoute(exported)) {
      methods.push({
        method,
        schema: schemaFor(method, exported.schema, where),
        handler: exported.handler,
        middleware: [...fileMiddleware, ...exported.middleware],
      });
    } else if (typeof exported === "function") {
      const handler: LoadedHandler = (ctx) => exported(ctx);
      methods.push({ method, schema: schemaFor(method, fileSchema, where), handler, middleware: fileMiddleware });
    } else {
      throw new TypeError(`${where}: export ${method} must be a function or defineRoute(...)`);
    }
  }
  if (methods.length === 0) throw new TypeError(`${where}: exports no handler (GET, POST, PUT, PATCH or DELETE)`);
  return methods;
}

async function importModule(file: string, version: number): Promise<Record<string, unknown>> {
  const loaded: unknown = await import(/* @vite-ignore */ await moduleUrl(file, version));
  return isRecord(loaded) ? loaded : {};
}

/**
 * Loads every route of `routesDir` (schemas from `schemasDir`), mounted under `prefix`. Failures
 * are logged with the file's path; the other routes load. `version` > 0 re-imports edited files.
 */
export async function loadRoutes(
  routesDir: string,
  schemasDir: string,
  prefix: string,
  version: number,
  logger: Logger,
): Promise<LoadedRoute[]> {
  const [routeFiles, schemaFiles] = await Promise.all([findModules(routesDir), findModules(schemasDir)]);
  const schemaByFolder = new Map(schemaFiles.map((found) => [found.folder, found.file]));
  const loaded = await Promise.all(
    routeFiles.map(async ({ folder, file }): Promise<LoadedRoute | undefined> => {
      const schemaFile = schemaByFolder.get(folder);
      try {
        const path = routePath(folder, prefix);
        const [module, schemaModule] = await Promise.all([
          importModule(file, version),
          schemaFile ? importModule(schemaFile, version) : undefined,
        ]);
        return { path, file, methods: methodsOf(module, schemaModule, file) };
      } catch (error) {
        logger.error(`covara: the route file ${file} could not be loaded; its routes are not served`, error, {
          source: "file-routes",
          file,
          schemaFile,
        });
        return undefined;
      }
    }),
  );
  return loaded.filter((route): route is LoadedRoute => route !== undefined);
}
