/** File-system routes: `routes/<path>/index.ts` modules with co-located Zod schemas, as Hono routes. */
export { defineRoute } from "./define";
export { mountFileRoutes, type FileRoutesHost, type MountedFileRoutes } from "./mount";
export { DEV_HOST } from "./hot";
export type {
  DefinedRoute,
  DevHost,
  FileRoutesOptions,
  RawQuery,
  RouteContext,
  RouteHandler,
  RouteInput,
  RouteMethod,
  RouteSchema,
  SchemaExport,
} from "./types";
