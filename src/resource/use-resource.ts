/**
 * `useResource(table, config)`: the generated endpoints of one table as a plain Hono router, with
 * the endpoints its extensions add (see extension.ts).
 */
import type { Table } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { createErrorHandler, methodNotAllowed } from "../kernel/error-handler";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv";
import { aggregate } from "./aggregate-handler";
import { rateLimiter } from "../kernel/rate-limit";
import { callProcedure } from "./procedures";
import { batchCreate, batchDelete, batchUpdate, batchUpsert } from "./batch-handlers";
import { countMatching, getRow, listRows } from "./read-handlers";
import { createRuntime, type ResourceRuntime } from "./runtime";
import { ResourceRegistry } from "./relations/registry";
import { createHandle } from "./handle";
import { registerMounted } from "./mounted";
import type { ResourceExtension, ResourceHandle } from "./extension";
import { defaultContext, type CovaraContext } from "../kernel/context";
import type { ProcedureMap, ResourceConfig } from "./types";
import type { AnyDatabase } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import type { ColumnKey } from "../kernel/table-types";
import type { CovaraEnv } from "../kernel/http";
import { createRow, patchRow, putRow, removeRow } from "./write-handlers";
import { warnOpenAccess } from "./open-access-warning";

type Handler<TTable extends Table> = (runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>) => Promise<Response>;

/** How a resource is mounted: its app, the resources it relates to, its extensions. */
export interface ResourceMountOptions {
  /** Resources that relate to each other share a registry (createCovara does this for you). */
  registry?: ResourceRegistry;
  /**
   * The extensions that add endpoints to the resource, in mount order. Default: none at this
   * layer (extensions live above it); the package's `useResource` and `createCovara` add
   * `defaultExtensions()`, search and subscriptions.
   */
  extensions?: readonly ResourceExtension[];
  /** The app the resource belongs to (default: the process's default context). */
  app?: CovaraContext;
}

/**
 * The generated REST endpoints of a Drizzle table, as a Hono router to mount anywhere. Resources
 * that relate to each other share a `registry` (createCovara does this for you).
 */
export function useResource<
  TTable extends Table,
  TDb extends AnyDatabase,
  TComputed extends object = {},
  TReadable extends ColumnKey<TTable> = ColumnKey<TTable>,
  TProcedures extends ProcedureMap<TTable, TDb> = {},
  TGenerated extends ColumnKey<TTable> = never,
>(
  table: TTable,
  config: ResourceConfig<TTable, TDb, TComputed, TReadable, TProcedures, TGenerated>,
  options: ResourceMountOptions = {},
): Hono<CovaraEnv> {
  // The runtime sees the config database- and field-agnostically. For a concrete table and database
  // the typed config fits that view (hooks are methods); inside this generic function TypeScript
  // cannot prove it, so this is the one place the typed config is erased.
  return createResourceRouter(table, assumeType<ResourceConfig<TTable>>(config), options).router;
}

/** What createResourceRouter builds: the router, the runtime, the extensions' handle and the extensions. */
export interface MountedRouter<TTable extends Table> {
  router: Hono<CovaraEnv>;
  runtime: ResourceRuntime<TTable>;
  handle: ResourceHandle;
  extensions: readonly ResourceExtension[];
}

/** useResource, also returning the resource's runtime and handle (for OpenAPI and admin tooling). */
export function createResourceRouter<TTable extends Table>(
  table: TTable,
  config: ResourceConfig<TTable>,
  options: ResourceMountOptions | ResourceRegistry = {},
): MountedRouter<TTable> {
  const {
    registry = new ResourceRegistry(),
    extensions = [],
    app = defaultContext(),
  } = options instanceof ResourceRegistry ? { registry: options } : options;
  const names = new Set<string>();
  for (const extension of extensions) {
    if (names.has(extension.name))
      throw new TypeError(`covara: resource extension '${extension.name}' is listed twice`);
    names.add(extension.name);
  }
  const runtime = createRuntime(table, config, registry, app);
  const handle = createHandle(runtime, app);
  // Every extension checks its config before anything is registered or mounted.
  for (const extension of extensions) extension.init?.(handle, app);
  for (const extension of extensions) {
    const { afterCommit } = extension;
    if (afterCommit) handle.onCommit((mutations) => afterCommit.call(extension, handle, mutations));
  }
  registry.register(runtime);
  registerMounted(handle);
  warnOpenAccess(runtime.info.name, config.auth);
  const router = new Hono<CovaraEnv>();
  const bind = (handler: Handler<TTable>) => (c: Context<CovaraEnv>) => handler(runtime, c);

  // Errors thrown here render as problem+json even when the host app has no error handler.
  router.onError(createErrorHandler(() => app.logger));
  if (config.rateLimit) {
    let fallback: KV | undefined;
    const kv = () => config.rateLimit!.kv ?? (fallback ??= createMemoryKV());
    router.use("*", rateLimiter(runtime.info.name, config.rateLimit, kv));
  }

  router.post("/rpc/:name", bind(callProcedure));
  router.all("/rpc/:name", methodNotAllowed(["POST"]));
  router.get("/count", bind(countMatching));
  router.get("/aggregate", bind(aggregate));
  router.post("/batch", bind(batchCreate));
  router.patch("/batch", bind(batchUpdate));
  router.delete("/batch", bind(batchDelete));
  router.all("/batch", methodNotAllowed(["POST", "PATCH", "DELETE"]));
  router.post("/batch/upsert", bind(batchUpsert));
  router.all("/batch/upsert", methodNotAllowed(["POST"]));
  router.all("/aggregate", methodNotAllowed(["GET"]));
  router.all("/count", methodNotAllowed(["GET"]));
  // Before `/:id`, which would otherwise take `search` or `subscribe` for an id.
  for (const extension of extensions) extension.mount(router, handle);
  router.get("/", bind(listRows));
  router.post("/", bind(createRow));
  router.all("/", methodNotAllowed(["GET", "POST"]));
  router.get("/:id", bind(getRow));
  router.patch("/:id", bind(patchRow));
  router.put("/:id", bind(putRow));
  router.delete("/:id", bind(removeRow));
  router.all("/:id", methodNotAllowed(["GET", "PATCH", "PUT", "DELETE"]));
  return { router, runtime, handle, extensions };
}
