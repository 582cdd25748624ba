/**
 * The operator registry: what an operator is (value shape, SQL, in-memory test) and the lookup by
 * name or alias shared by the parser, the SQL compiler and the evaluator.
 */
import type { Column, SQL } from "drizzle-orm";
import type { Dialect } from "../dialect";
import type { ColumnInfo, ColumnKind } from "./columns.js";
import { BUILTIN_OPERATORS } from "./builtin-operators.js";

/** The value an operator takes: one literal, a list `(a,b)`, a range `[lo,hi]`, or `true`/`false`. */
export type OperatorValueShape = "single" | "list" | "range" | "boolean";

/** A coerced, non-null filter value as operators receive it (bigint for bigint columns). */
export type FilterScalar = string | number | boolean | Date | bigint;

/** The value type an operator's functions receive for each shape. */
export type OperatorValue<S extends OperatorValueShape> = S extends "list"
  ? FilterScalar[]
  : S extends "range"
    ? [FilterScalar, FilterScalar]
    : S extends "boolean"
      ? boolean
      : FilterScalar;

export interface OperatorSqlContext {
  dialect: Dialect;
  /** How the kernel classified the column (kind, Postgres text cast, ...). */
  info: ColumnInfo;
}

export interface OperatorDefinition<S extends OperatorValueShape = OperatorValueShape> {
  /** Canonical name as written in filters: `==`, `=ge=`, `=near=`. Stored in the AST. */
  name: string;
  /** Other spellings that mean the same operator (`>=` for `=ge=`). */
  aliases?: readonly string[];
  value: S;
  /** Column kinds the operator applies to; omitted means every filterable kind. */
  columns?: readonly ColumnKind[];
  /**
   * How values are converted before `toSql`/`evaluate`: to the column's type (`"column"`, the
   * default), to a fixed kind (`"string"`, `"number"`, ...), or left as parsed (`"none"`).
   */
  coerce?: "column" | "none" | ColumnKind;
  /**
   * Whether the operator decides about NULL field values itself (`=isnull=`). Otherwise a NULL
   * field never matches and `evaluate` is not called, mirroring SQL's NULL comparisons in WHERE.
   */
  nullAware?: boolean;
  /** The SQL condition. Values must be bound (`sql.param`, drizzle operators), never spliced. */
  toSql(column: Column, value: OperatorValue<S>, ctx: OperatorSqlContext): SQL;
  /** The same condition on an in-memory field value (never null unless `nullAware`). */
  evaluate(fieldValue: unknown, value: OperatorValue<S>): boolean;
}

/** Operators by canonical name and alias. */
export interface OperatorRegistry {
  /** Adds an operator; throws when its name or an alias is taken or malformed. */
  register(def: OperatorDefinition): OperatorRegistry;
  /** Looks an operator up by canonical name or alias. */
  get(name: string): OperatorDefinition | undefined;
  has(name: string): boolean;
  /** Every registered operator, built-ins first. */
  list(): OperatorDefinition[];
}

const SYMBOLIC = new Set(["==", "!=", "<", "<=", ">", ">="]);
const NAMED = /^=[A-Za-z][A-Za-z0-9_-]*=$/;
const SHAPES = new Set<OperatorValueShape>(["single", "list", "range", "boolean"]);

/** Identity helper that types an operator definition by its value shape. */
export function defineOperator<S extends OperatorValueShape>(def: OperatorDefinition<S>): OperatorDefinition<S> {
  return def;
}

class Registry implements OperatorRegistry {
  private readonly byName = new Map<string, OperatorDefinition>();
  private readonly defs: OperatorDefinition[] = [];

  register(def: OperatorDefinition): this {
    const names = [def.name, ...(def.aliases ?? [])];
    for (const name of names) {
      // Only spellings the lexer can produce are reachable from a filter.
      if (!SYMBOLIC.has(name) && !NAMED.test(name)) {
        throw new TypeError(`Invalid RSQL operator name '${name}': use the form '=name='`);
      }
      if (this.byName.has(name)) throw new TypeError(`RSQL operator '${name}' is already registered`);
    }
    if (new Set(names).size !== names.length) throw new TypeError(`RSQL operator '${def.name}' repeats a name`);
    if (!SHAPES.has(def.value)) throw new TypeError(`RSQL operator '${def.name}' has an invalid value shape`);
    for (const name of names) this.byName.set(name, def);
    this.defs.push(def);
    return this;
  }

  get(name: string): OperatorDefinition | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): OperatorDefinition[] {
    return [...this.defs];
  }
}

/** A registry holding the built-in operators plus `custom` ones. */
export function createOperatorRegistry(custom: readonly OperatorDefinition[] = []): OperatorRegistry {
  const registry = new Registry();
  for (const def of BUILTIN_OPERATORS) registry.register(def);
  for (const def of custom) registry.register(def);
  return registry;
}

let defaultRegistry: OperatorRegistry | undefined;

/** The shared built-ins-only registry used when a caller passes none (never mutate it). */
export function defaultOperators(): OperatorRegistry {
  if (!defaultRegistry) {
    const base = createOperatorRegistry();
    defaultRegistry = {
      register() {
        throw new TypeError("The default RSQL operator registry is read-only; use createOperatorRegistry()");
      },
      get: (name) => base.get(name),
      has: (name) => base.has(name),
      list: () => base.list(),
    };
  }
  return defaultRegistry;
}
