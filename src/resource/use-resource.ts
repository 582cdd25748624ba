/**
 * `useResource(table, config)`: the generated endpoints of one table as a plain Hono router.
 */
import type { Table } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { errorHandler, methodNotAllowed } from "../kernel/error-handler";
import type { KV } from "../kernel/kv";
import { createMemoryKV } from "../kv";
import { aggregate } from "./aggregate-handler";
import { rateLimiter } from "./rate-limit";
import { callProcedure } from "./procedures";
import { batchCreate, batchDelete, batchUpdate, batchUpsert } from "./batch-handlers";
import { countMatching, getRow, listRows } from "./read-handlers";
import { createRuntime, type ResourceRuntime } from "./runtime";
import { ResourceRegistry } from "./relations/registry";
import { searchRows } from "./search/search-handler";
import type { ProcedureMap, ResourceConfig } from "./types";
import type { AnyDatabase } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import type { ColumnKey } from "../kernel/table-types";
import type { CovaraEnv } from "../kernel/http";
import { createRow, patchRow, putRow, removeRow } from "./write-handlers";
import { warnOpenAccess } from "./open-access-warning";
import { mountSubscriptionRoutes } from "../realtime";

type Handler<TTable extends Table> = (runtime: ResourceRuntime<TTable>, c: Context<CovaraEnv>) => Promise<Response>;

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
>(table: TTable, config: ResourceConfig<TTable, TDb, TComputed, TReadable, TProcedures, TGenerated>, options: { registry?: ResourceRegistry } = {}): Hono<CovaraEnv> {
  // The runtime sees the config database- and field-agnostically. For a concrete table and database
  // the typed config fits that view (hooks are methods); inside this generic function TypeScript
  // cannot prove it, so this is the one place the typed config is erased.
  return createResourceRouter(table, assumeType<ResourceConfig<TTable>>(config), options.registry).router;
}

/** useResource, also returning the resource's runtime (for OpenAPI and admin tooling). */
export function createResourceRouter<TTable extends Table>(
  table: TTable,
  config: ResourceConfig<TTable>,
  registry: ResourceRegistry = new ResourceRegistry(),
): { router: Hono<CovaraEnv>; runtime: ResourceRuntime<TTable> } {
  const runtime = createRuntime(table, config, registry);
  registry.register(runtime);
  warnOpenAccess(runtime.info.name, config.auth);
  const router = new Hono<CovaraEnv>();
  const bind = (handler: Handler<TTable>) => (c: Context<CovaraEnv>) => handler(runtime, c);

  // Errors thrown here render as problem+json even when the host app has no error handler.
  router.onError(errorHandler);
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
  router.get("/search", bind(searchRows));
  router.all("/search", methodNotAllowed(["GET"]));
  // Before `/:id`, which would otherwise take `subscribe` for an id.
  mountSubscriptionRoutes(router, runtime);
  router.get("/", bind(listRows));
  router.post("/", bind(createRow));
  router.all("/", methodNotAllowed(["GET", "POST"]));
  router.get("/:id", bind(getRow));
  router.patch("/:id", bind(patchRow));
  router.put("/:id", bind(putRow));
  router.delete("/:id", bind(removeRow));
  router.all("/:id", methodNotAllowed(["GET", "PATCH", "PUT", "DELETE"]));
  return { router, runtime };
}
