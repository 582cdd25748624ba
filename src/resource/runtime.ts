/**
 * A mounted resource's state, built once: table facts, validation schemas, caches and limits.
 */
import type { Table } from "drizzle-orm";
import type { Context } from "hono";
import { ScopeCompiler } from "./access";
import { validateStaticScopes } from "./static-scopes";
import { FilterCache } from "./list-query";
import { describeTable } from "./table-info";
import type { HookContext, ProcedureMap, ResourceConfig } from "./types";
import type { CovaraEnv, CovaraUser } from "../kernel/http";
import { getPrincipal } from "../kernel/principal";
import { buildRowSchemas } from "./validation";
import { DEFAULT_MAX_BODY_BYTES } from "../kernel/body";
import { PreparedSelects } from "./queries";
import { ResourceRegistry } from "./relations/registry";
import type { ResourceRuntime } from "./runtime-types";
import { defaultContext, type CovaraContext } from "../kernel/context";
import { DEFAULT_INCLUDE_LIMITS } from "./relations/include-parser";

export type { ResourceRuntime };

export const DEFAULT_LIMIT = 20;
/** Most groups one aggregate may produce before it is refused (narrow the filter instead). */
export const DEFAULT_MAX_GROUPS = 1000;
export const DEFAULT_MAX_LIMIT = 100;

/** Validates the config against the table and prepares everything requests will reuse. */
export function createRuntime<TTable extends Table>(
  table: TTable,
  config: ResourceConfig<TTable>,
  registry: ResourceRegistry = new ResourceRegistry(),
  app: CovaraContext = defaultContext(),
): ResourceRuntime<TTable> {
  const info = describeTable(table, config);
  const maxLimit = config.pagination?.maxLimit ?? DEFAULT_MAX_LIMIT;
  const defaultLimit = Math.min(config.pagination?.defaultLimit ?? DEFAULT_LIMIT, maxLimit);
  if (!(maxLimit >= 1 && defaultLimit >= 1)) throw new TypeError("covara: pagination limits must be at least 1");
  const scopes = new ScopeCompiler(info, app);
  validateStaticScopes(info.name, config.auth, scopes);
  return {
    table,
    config,
    app,
    info,
    schemas: buildRowSchemas(info),
    scopes,
    filters: new FilterCache(),
    limits: {
      defaultLimit,
      maxLimit,
      maxFilterLength: config.filter?.maxLength,
      maxFilterDepth: config.filter?.maxDepth,
    },
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxGroups: config.aggregate?.maxGroups ?? DEFAULT_MAX_GROUPS,
    selects: new PreparedSelects(),
    registry,
    includeLimits: { ...DEFAULT_INCLUDE_LIMITS, ...config.include },
    procedures: resolveProcedures(config.procedures),
  };
}

/** The config's procedures by name: the object as given, or what its `(procedure) => ({ … })` callback returns. */
function resolveProcedures<TTable extends Table>(
  procedures: ResourceConfig<TTable>["procedures"],
): ProcedureMap<TTable> {
  if (typeof procedures !== "function") return procedures ?? {};
  // The bound `procedure` helper only carries types; at run time it is the identity.
  return procedures((definition) => definition);
}

/** The context every hook receives. */
export function hookContext<TTable extends Table>(
  runtime: ResourceRuntime<TTable>,
  c: Context<CovaraEnv>,
  operation: HookContext<TTable>["operation"],
  user: CovaraUser | null,
): HookContext<TTable> {
  return {
    c,
    user,
    resource: runtime.info.name,
    table: runtime.table,
    db: runtime.config.db,
    operation,
    // A plain value, not a getter: V8 builds an object literal with an accessor in the old
    // generation, where it keeps the whole request (context, rows, response) alive through every
    // young-generation GC until the next full one, several KB promoted per request (see
    // docs/performance.md, "List endpoint on libsql and postgres-js"). Under createCovara the
    // principal middleware has already set it, so this is a lookup.
    principal: getPrincipal(c),
  };
}
