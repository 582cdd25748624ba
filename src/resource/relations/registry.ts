/**
 * The resources of one app by name, so a relation can find its target's read scope, masking and
 * relations. Relations resolve lazily, on first use, because targets may be mounted later.
 */
import type { Table } from "drizzle-orm";
import type { AnyRuntime, ResourceDirectory } from "../runtime-types";

export type { AnyRuntime };

export class ResourceRegistry implements ResourceDirectory {
  private readonly byName = new Map<string, AnyRuntime>();

  /** Registers a mounted resource; two resources may not share a name. */
  register(runtime: AnyRuntime): void {
    const name = runtime.info.name;
    if (this.byName.has(name)) throw new TypeError(`covara: two resources are named '${name}'; give one a \`name\``);
    this.byName.set(name, runtime);
  }

  get(name: string): AnyRuntime | undefined {
    return this.byName.get(name);
  }

  /** The resource serving `table`, if exactly one does. */
  byTable(table: Table): AnyRuntime | undefined {
    const matches = [...this.byName.values()].filter((runtime) => runtime.table === table);
    return matches.length === 1 ? matches[0] : undefined;
  }

  all(): AnyRuntime[] {
    return [...this.byName.values()];
  }
}
