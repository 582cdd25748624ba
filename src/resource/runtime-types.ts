/**
 * The shape of a mounted resource's runtime and of its resolved relations, in a leaf: the
 * runtime, the registry and relation resolution all refer to one another's types, and keeping
 * the types here means none of them imports another for a type.
 */
import type { Column, Table } from "drizzle-orm";
import type { CovaraContext } from "../kernel/context";
import type { ScopeCompiler } from "./access";
import type { FilterCache, ListQueryLimits } from "./list-query";
import type { PreparedSelects } from "./queries";
import type { IncludeLimits, RelationType } from "./relations/types";
import type { TableInfo } from "./table-info";
import type { ProcedureMap, ResourceConfig } from "./types";
import type { RowSchemas } from "./validation";

export interface ResourceRuntime<TTable extends Table> {
  table: TTable;
  config: ResourceConfig<TTable>;
  /** The app the resource is mounted in (the default context when standalone): its writes go to this app's mutation feed. */
  app: CovaraContext;
  info: TableInfo;
  schemas: RowSchemas;
  scopes: ScopeCompiler;
  filters: FilterCache;
  limits: ListQueryLimits;
  maxBodyBytes: number;
  maxGroups: number;
  selects: PreparedSelects;
  /** The app's resources, where relations find their targets. */
  registry: ResourceDirectory;
  /** Resolved relations, filled on first use (targets may be mounted after this resource). */
  relations?: ReadonlyMap<string, ResolvedRelation>;
  includeLimits: IncludeLimits;
  /** The procedures by name (a `procedures` callback is called once, here). */
  procedures: ProcedureMap<TTable>;
}

/** A runtime whatever its table: the registry and relations handle every resource alike. */
// biome-ignore lint/suspicious/noExplicitAny: the table type is erased on purpose (see the line above).
export type AnyRuntime = ResourceRuntime<any>;

/** The resources of one app by name (implemented by `ResourceRegistry`). */
export interface ResourceDirectory {
  register(runtime: AnyRuntime): void;
  get(name: string): AnyRuntime | undefined;
  /** The resource serving `table`, if exactly one does. */
  byTable(table: Table): AnyRuntime | undefined;
  all(): AnyRuntime[];
}

export interface ResolvedRelation {
  name: string;
  type: RelationType;
  target: AnyRuntime;
  /** Whether the target is a registered resource (its read scope applies). */
  scoped: boolean;
  /** Key of this table's column the relation matches on. */
  sourceKey: string;
  /** Key of the target's column matched against it (for manyToMany: the target's referenced key). */
  targetKey: string;
  /** The junction of a manyToMany relation. */
  through?: { table: Table; sourceColumn: Column; targetColumn: Column };
}
