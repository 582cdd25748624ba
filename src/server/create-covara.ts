/**
 * `createCovara(options)`: a Hono app with problem+json errors, health endpoints, optional CORS and
 * authentication, and a chainable `.resource()` that mounts tables under the base path.
 */
import { getTableName, type Table } from "drizzle-orm";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { BlankSchema, Schema } from "hono/types";
import { cors } from "hono/cors";
import {
  buildOpenApiDocument,
  createResourceRouter,
  type ColumnKey,
  type MountedResource,
  type ProcedureMap,
  type ResourceConfig,
  type ResourceExtension,
  type ResourceHandle,
  ResourceRegistry,
} from "../resource";
import {
  createLocalServing,
  fileOptionsOf,
  fileResourceConfig,
  files,
  type FileResourceConfig,
  type LocalServing,
} from "../files";
import { defaultExtensions } from "./default-extensions";
import { createContext, type CovaraContext } from "../kernel/context";
import type { AnyDatabase } from "../kernel/dialect";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import type { JoinPath, ResourceSchema, ResourceTypes, TablePath } from "./app-types";
import type { ResourceTypeInfo } from "./types";
import { createErrorHandler, notFoundHandler } from "../kernel/error-handler";
import type { KV } from "../kernel/kv";
import type { Logger } from "../kernel/logger";
import { recordInternalSchema, type InternalSchema } from "../db";
import { mountHealth } from "./health";
import { createRealtime, Realtime, type RealtimeOptions } from "../realtime";
import { assumeType } from "../kernel/erased";
import { securityHeaders, type SecurityHeadersOptions } from "../kernel/security-headers";
import { createLivePages, type LivePages, type PageComponent, type PageOptions } from "../htmx";
import {
  createObservabilityLog,
  metricsEndpoint,
  observability,
  type MetricsEndpointOptions,
  type ObservabilityLogOptions,
  type ObservabilityMiddlewareOptions,
} from "../observability";
import { resolvePrincipal, type PrincipalOptions } from "../principal";
import { mountFileRoutes, type FileRoutesOptions, type MountedFileRoutes } from "../file-routes";
import { mountAdmin, type AdminOptions } from "../admin";

/**
 * Options of `createCovara`: where resources mount, CORS, security headers, health and OpenAPI routes, the realtime hub.
 *
 * @example
 * ```ts
 * const app = createCovara({ basePath: "/api", cors: true, openapi: { title: "Todo API", version: "1.0.0" } });
 * ```
 */
export interface CovaraOptions {
  /**
   * Where resources are mounted.
   * @default `/api`
   */
  basePath?: string;
  /** CORS for every route: true for permissive defaults, or hono/cors options. */
  cors?: boolean | Parameters<typeof cors>[0];
  /** Resolves the request's user (or null); the result is `c.get("user")`. */
  authenticate?: (c: Context<CovaraEnv>) => CovaraUser | null | undefined | Promise<CovaraUser | null | undefined>;
  /**
   * The result of `useAuth(...)` from covara/auth: its middleware runs on every request and its
   * router is mounted at `${basePath}/auth`. With `authenticate` too, `authenticate` fills in only
   * when the auth middleware found no user (e.g. API keys beside sessions).
   */
  auth?: { router: Hono<CovaraEnv>; middleware: MiddlewareHandler<CovaraEnv>; principal?: PrincipalOptions };
  /**
   * Security headers on every response; false to omit.
   * @default on; CSP only when configured
   */
  securityHeaders?: boolean | SecurityHeadersOptions;
  /**
   * Mount `/healthz` and `/readyz`.
   * @default true
   */
  health?: boolean;
  /**
   * Serve the OpenAPI 3.1 document at `/__covara/openapi.json`.
   * @default true
   */
  openapi?: boolean | { title?: string; version?: string };
  /**
   * The auth tables bundle from `defineInternalSchema` (covara/db), recorded for migration and
   * introspection (`getInternalSchema(app)`). It never rewires a store built beforehand: pass
   * `resolver` to createDrizzleSessionStore yourself.
   */
  internalSchema?: InternalSchema;
  /**
   * The realtime hub of the app's subscriptions, or options for one (default: a hub over an
   * in-memory changelog). Pass `{ kv: await createRedisKV(...) }` to share it across processes.
   */
  realtime?: Realtime | RealtimeOptions;
  /**
   * The resource extensions every resource of the app gets, in mount order (default: search and
   * subscriptions, the latter served by the app's hub; see `defaultExtensions`).
   */
  extensions?: readonly ResourceExtension[];
  /**
   * Where the app reports what it cannot put in a response: unexpected (500) errors, failures of
   * its realtime hub and streams. Default: the default context's logger, over the console.
   */
  logger?: Logger;
  /**
   * The app's KV: what its subsystems without a KV of their own fall back to (`getGlobalKV(app)`,
   * `useAuth({ app })`). Apps share nothing unless given the same KV.
   * @default none (the process-wide `setGlobalKV` KV belongs to the default context, not to apps)
   */
  kv?: KV;
  /**
   * The app's observability (covara/observability): its log (`getObservabilityLog(app)`: the
   * in-memory capacity, a durable `adapter`, the KV store's options, an admin audit sink), the
   * request middleware (traces, request/error entries, metrics; `middleware: false` to leave it
   * out) and the Prometheus endpoint at `/__covara/metrics` (opt-in, needs a token or predicate).
   * `false` leaves out the middleware.
   * @default log in memory (persisted to the app's `kv` when it has one), middleware on, no metrics endpoint
   */
  observability?: false | CovaraObservabilityOptions;
  /**
   * Where each request's principal gets its tenant memberships (roles, clearance): called once per
   * authenticated request, after authentication; the result is `c.get("principal")`. Without it
   * the principal has the user and no memberships (covara still sets it). `useAuth({ principal })`
   * given as `auth` serves too (one of the two, not both). See docs/principal.md.
   */
  principal?: PrincipalOptions;
  /**
   * The admin UI at `/__covara/ui`, locked to admins: by default users whose `role` (or `roles`)
   * says "admin"; see docs/admin-ui.md. Mounting it is also what enables the admin scope bypass
   * and impersonation. `false` leaves it out (and both markers inert).
   * @default mounted
   */
  admin?: AdminOptions | false;
}

/** `createCovara({ observability })`. */
export interface CovaraObservabilityOptions extends Omit<ObservabilityLogOptions, "kv" | "logger"> {
  /** The request middleware's options, or false to leave it out. @default on */
  middleware?: boolean | Omit<ObservabilityMiddlewareOptions, "app">;
  /** Serve `/__covara/metrics` to holders of `token` or those `authorize` lets in. @default not served */
  metricsEndpoint?: MetricsEndpointOptions;
}

/**
 * The app createCovara returns: a Hono app whose `.resource()` chains. Each call adds the
 * resource's routes to Hono's schema `S` (so `hc<typeof app>` types them) and its types to
 * `TResources`, read by covara's client through the type-only `"~covara"` member.
 */
export type CovaraApp<
  S extends Schema = BlankSchema,
  TBase extends string = string,
  // biome-ignore lint/complexity/noBannedTypes: `{}` is the empty record each .resource() call intersects onto.
  TResources extends Record<string, ResourceTypeInfo> = {},
> = Hono<CovaraEnv, S> & {
  resource<
    const TPath extends string,
    TTable extends Table,
    TDb extends AnyDatabase,
    // biome-ignore lint/complexity/noBannedTypes: no computed fields adds nothing to the row type.
    TComputed extends object = {},
    TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
    TProcedures extends ProcedureMap<TTable, TDb> = {},
    TGenerated extends ColumnKey<TTable> = never,
  >(
    path: TPath,
    table: TTable,
    config: ResourceConfig<TTable, TDb, TComputed, TReadable, TProcedures, TGenerated>,
  ): MountedApp<
    S,
    TBase,
    TResources,
    JoinPath<TBase, TPath>,
    ResourceTypes<TTable, TComputed, TReadable, TProcedures, TGenerated>
  >;
  resource<
    TTable extends Table,
    TDb extends AnyDatabase,
    TComputed extends object = {},
    TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
    TProcedures extends ProcedureMap<TTable, TDb> = {},
    TGenerated extends ColumnKey<TTable> = never,
  >(
    table: TTable,
    config: ResourceConfig<TTable, TDb, TComputed, TReadable, TProcedures, TGenerated>,
  ): MountedApp<
    S,
    TBase,
    TResources,
    JoinPath<TBase, TablePath<TTable>>,
    ResourceTypes<TTable, TComputed, TReadable, TProcedures, TGenerated>
  >;
  /**
   * A server-rendered hono/jsx page at `path` (covara/htmx, beta): its `<Live>` regions list,
   * create, update and delete rows of the app's resources through generated htmx endpoints under
   * `/__covara/live`, and update live in every tab.
   */
  page(path: string, Component: PageComponent, options?: PageOptions): CovaraApp<S, TBase, TResources>;
  /**
   * A file resource: the resource `.resource()` would mount, plus uploads (`POST /` multipart or
   * raw), downloads (`GET /:id/download`), local serving at the storage's `baseUrl`, presigned
   * transfers (`usePresignedUrls`) and storage cleanup on delete. The table is the app's own; its
   * columns `key` (NOT NULL), `name`, `size`, `mimeType`, `hash` and `userId` are filled by the
   * server (see `columns` to rename them). See docs/file-resources.md.
   */
  fileResource<
    const TPath extends string,
    TTable extends Table,
    TDb extends AnyDatabase,
    // biome-ignore lint/complexity/noBannedTypes: no computed fields adds nothing to the row type.
    TComputed extends object = {},
    TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
    TProcedures extends ProcedureMap<TTable, TDb> = {},
    TGenerated extends ColumnKey<TTable> = never,
  >(
    path: TPath,
    table: TTable,
    config: FileResourceConfig<ResourceConfig<TTable, TDb, TComputed, TReadable, TProcedures, TGenerated>, TTable>,
  ): MountedApp<
    S,
    TBase,
    TResources,
    JoinPath<TBase, TPath>,
    ResourceTypes<TTable, TComputed, TReadable, TProcedures, TGenerated>
  >;
  /**
   * Mounts the route modules of `dir` (`routes/<path>/index.ts` exporting GET, POST, PUT, PATCH,
   * DELETE; `[id]` folders are parameters) under the base path, each validated by its co-located
   * Zod schema before it runs. Resolves once they are registered; under `covara dev` they reload
   * on change without a restart. See docs/file-routes.md.
   */
  fileRoutes(dir: string | URL, options?: FileRoutesOptions): Promise<CovaraApp<S, TBase, TResources>>;
  /** The hub that records the app's writes and serves its subscriptions. */
  realtime: Realtime;
  /**
   * The app context: its logger, mutation feed, KV, realtime hub, task registry. Pass the app
   * where an option takes it (`trackMutations(db, tables, { app })`, `recordExternalMutation(...,
   * { app })`, `useAuth({ app })`, `getTaskRegistry(app)`) so that code works inside this app only.
   */
  readonly context: CovaraContext;
  /** Type-only (a phantom, never set at run time): the mounted resources' types for covara's client. */
  readonly "~covara": { resources: TResources };
};

/** The app after mounting one more resource at `TFullPath`. */
type MountedApp<
  S extends Schema,
  TBase extends string,
  TResources extends Record<string, ResourceTypeInfo>,
  TFullPath extends string,
  TInfo extends ResourceTypes<Table, object, never, ProcedureMap>,
> = CovaraApp<S & ResourceSchema<TFullPath, TInfo>, TBase, TResources & { [P in TFullPath]: TInfo }>;

function joinPath(base: string, path: string): string {
  const trimmedBase = base.replace(/\/+$/, "");
  const trimmedPath = path.startsWith("/") ? path : `/${path}`;
  return `${trimmedBase}${trimmedPath}`.replace(/\/+$/, "") || "/";
}

/** Creates a covara app; its type records the base path so resource routes carry their full path. */
export function createCovara<const TBase extends string = "/api">(
  options: CovaraOptions & { basePath?: TBase } = {},
): CovaraApp<BlankSchema, TBase> {
  if (options.principal && options.auth?.principal && options.principal !== options.auth.principal)
    throw new TypeError("covara: give `principal` to createCovara or to useAuth, not both");
  const app = new Hono<CovaraEnv>();
  const basePath = options.basePath ?? "/api";
  const databases = new Set<AnyDatabase>();
  const registry = new ResourceRegistry();
  const context = createContext({ logger: options.logger, kv: options.kv });
  const realtime =
    options.realtime instanceof Realtime
      ? options.realtime
      : createRealtime({ logger: context.logger, ...options.realtime });
  context.realtime = realtime;
  const observe = options.observability === false ? { middleware: false } : (options.observability ?? {});
  context.observability = createObservabilityLog({ ...observe, kv: () => context.kv, logger: () => context.logger });
  const extensions = options.extensions ?? defaultExtensions();

  const onError = createErrorHandler(() => context.logger);
  app.onError(onError);
  app.notFound(notFoundHandler);
  // First, so it times and traces everything after it, auth included.
  if (observe.middleware !== false)
    app.use("*", observability({ ...(observe.middleware === true ? {} : observe.middleware), app: context }));
  if (observe.metricsEndpoint)
    app.get("/__covara/metrics", metricsEndpoint({ ...observe.metricsEndpoint, app: context }));
  if (options.securityHeaders !== false) {
    app.use("*", securityHeaders(options.securityHeaders === true ? {} : options.securityHeaders));
  }
  if (options.cors) app.use("*", cors(options.cors === true ? undefined : options.cors));
  if (options.auth) app.use("*", options.auth.middleware);
  const authenticate = options.authenticate;
  if (authenticate) {
    app.use("*", async (c, next) => {
      if (!c.get("user")) c.set("user", (await authenticate(c)) ?? null);
      await next();
    });
  }
  const mounted: MountedResource[] = [];
  const routeDirs: MountedFileRoutes[] = [];
  if (options.admin !== false) {
    // After authentication (the predicate reads the real user), before any resource route.
    const resources = () =>
      mounted.flatMap((entry) => (entry.handle ? [{ path: entry.path, handle: entry.handle }] : []));
    mountAdmin({ app, context, resources }, options.admin ?? {});
  }
  // After the admin's impersonation swap, so the principal is the effective user's.
  app.use("*", resolvePrincipal(options.principal ?? options.auth?.principal));
  if (options.auth) app.route(joinPath(basePath, "/auth"), options.auth.router);
  if (options.health !== false) mountHealth(app, databases);
  if (options.openapi !== false) {
    const described = typeof options.openapi === "object" ? options.openapi : {};
    let document: Record<string, unknown> | undefined;
    let builtFor = "";
    app.get("/__covara/openapi.json", (c) => {
      // Built on first request, when every resource is mounted; again only after file routes reload.
      const versions = routeDirs.map((dir) => dir.version).join(",");
      if (!document || builtFor !== versions) {
        const extraPaths = Object.assign({}, ...routeDirs.map((dir) => dir.paths()));
        document = buildOpenApiDocument(
          mounted,
          { title: described.title ?? "covara API", version: described.version ?? "1.0.0" },
          extraPaths,
        );
        builtFor = versions;
      }
      return c.json(document);
    });
  }

  function mountResource<TTable extends Table>(
    path: string,
    table: TTable,
    config: ResourceConfig<TTable>,
    withExtensions: readonly ResourceExtension[],
  ): ResourceHandle {
    databases.add(config.db);
    const fullPath = joinPath(basePath, path);
    const { router, runtime, handle } = createResourceRouter(table, config, {
      registry,
      extensions: withExtensions,
      app: context,
    });
    // The document reads only table facts, never the typed hooks, so widening the table type is
    // safe; TypeScript cannot see it because column-name lists make the runtime invariant in TTable.
    mounted.push({
      path: fullPath,
      runtime: assumeType<MountedResource["runtime"]>(runtime),
      handle,
      extensions: withExtensions,
    });
    app.route(fullPath, router);
    return handle;
  }

  function resource<TTable extends Table>(
    pathOrTable: string | TTable,
    tableOrConfig: TTable | ResourceConfig<TTable>,
    maybeConfig?: ResourceConfig<TTable>,
  ): CovaraApp {
    const [path, table, config] =
      typeof pathOrTable === "string"
        ? [pathOrTable, tableOrConfig as TTable, maybeConfig!]
        : [`/${getTableName(pathOrTable)}`, pathOrTable, tableOrConfig as ResourceConfig<TTable>];
    mountResource(path, table, config, extensions);
    return covara;
  }

  // Local backends are served at their baseUrl, one route per base URL whatever the number of file resources on it.
  const servings = new Map<string, LocalServing>();
  function fileResource<TTable extends Table>(
    path: string,
    table: TTable,
    config: FileResourceConfig<ResourceConfig<TTable>, TTable>,
  ): CovaraApp {
    const handle = mountResource(path, table, fileResourceConfig(table, config), [...extensions, files()]);
    const baseUrl = fileOptionsOf(handle)?.storage.baseUrl;
    if (baseUrl !== undefined) {
      let serving = servings.get(baseUrl);
      if (!serving) {
        const created = createLocalServing(baseUrl);
        servings.set(baseUrl, (serving = created));
        app.get(`${baseUrl}/*`, (c) => created.handle(c));
      }
      serving.add(handle);
    }
    return covara;
  }

  let pages: LivePages | undefined;
  function page(path: string, Component: PageComponent, pageOptions?: PageOptions): CovaraApp {
    pages ??= createLivePages(app, (table) => {
      const found = mounted.find((entry) => entry.handle?.table === table);
      return found?.handle ? { path: found.path, handle: found.handle } : undefined;
    });
    pages.page(path, Component, pageOptions);
    return covara;
  }

  async function fileRoutes(dir: string | URL, routeOptions: FileRoutesOptions = {}): Promise<CovaraApp> {
    routeDirs.push(await mountFileRoutes(app, dir, routeOptions, { basePath, logger: context.logger, onError }));
    return covara;
  }

  // The runtime object is the same after every `.resource()`; only its type grows with each call.
  const covara = assumeType<CovaraApp<BlankSchema, TBase>>(
    Object.assign(app, { resource, fileResource, page, fileRoutes, realtime, context }),
  );
  if (options.internalSchema !== undefined) recordInternalSchema(covara, options.internalSchema);
  return covara;
}
