/**
 * Which resource is mounted for a table name in a database: how code outside the resource layer
 * (the data service's unit of work) finds the resource whose write steps its writes must take.
 * Keyed by the database object, so two resources of one name on two databases never meet, and
 * weakly, so a database that is gone takes its resources with it.
 */
import type { ResourceHandle } from "./extension";

const byDatabase = new WeakMap<object, Map<string, ResourceHandle>>();

/** Records a mounted resource; mounting the same name on the same database again replaces it. */
export function registerMounted(handle: ResourceHandle): void {
  let names = byDatabase.get(handle.db);
  if (!names) byDatabase.set(handle.db, (names = new Map()));
  names.set(handle.name, handle);
}

/** The resource mounted as `name` on `db` (the same database object it was given), if any. */
export function mountedResource(db: object, name: string): ResourceHandle | undefined {
  return byDatabase.get(db)?.get(name);
}
