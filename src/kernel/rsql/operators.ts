/**
 * The operator registry: the lookup by name or alias shared by the parser, the SQL compiler and
 * the evaluator. What an operator is lives in `operator-types.ts`.
 */
import { BUILTIN_OPERATORS } from "./builtin-operators";
import type { OperatorDefinition, OperatorRegistry, OperatorValueShape } from "./operator-types";

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
