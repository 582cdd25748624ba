/**
 * Which hub records which write. Many apps can live in one process (tests do this constantly),
 * each with its own database and hub, and resources of the same name; so a mutation is routed by
 * the database it went through AND its resource name, never by the name alone. A mutation without
 * a database (an external writer) goes to the hub that most recently mounted a resource of that
 * name: that is the process default `recordExternalMutation` uses.
 *
 * One listener on the kernel's mutation feed serves every hub in the process.
 */
import type { ChangelogEntry } from "../kernel/changelog";
import { onMutations, type Mutation, type MutationOp } from "../kernel/mutations";

/** What routing needs of a hub (declared here so routing never imports the hub that imports it). */
interface Realtime {
  appendMutations(mutations: readonly Mutation[]): Promise<unknown>;
  recordExternalMutation(resource: string, op: MutationOp, options: { objectId: string | number }): Promise<ChangelogEntry | null>;
}

const hubsByDatabase = new WeakMap<object, Map<string, Set<Realtime>>>();
const latestHubByName = new Map<string, Realtime>();
/** Mutations a hub already appended itself (recordExternalMutation); the listener skips them. */
const recorded = new WeakSet<Mutation>();
let listening = false;

/** Routes the writes of resource `name` made through `db` to `hub`. */
export function routeResource(hub: Realtime, db: object, name: string): void {
  let byName = hubsByDatabase.get(db);
  if (!byName) hubsByDatabase.set(db, (byName = new Map()));
  let hubs = byName.get(name);
  if (!hubs) byName.set(name, (hubs = new Set()));
  hubs.add(hub);
  latestHubByName.set(name, hub);
  listen();
}

/** Stops routing anything to `hub` (it closed). */
export function unrouteHub(hub: Realtime, routes: Iterable<[object, string]>): void {
  for (const [db, name] of routes) {
    hubsByDatabase.get(db)?.get(name)?.delete(hub);
    if (latestHubByName.get(name) === hub) latestHubByName.delete(name);
  }
}

/** The hub that most recently mounted a resource called `name`, if any. */
export function latestHubFor(name: string): Realtime | undefined {
  return latestHubByName.get(name);
}

/** Marks a mutation as already appended to a changelog. */
export function markRecorded(mutation: Mutation): void {
  recorded.add(mutation);
}

function hubsFor(mutation: Mutation): Iterable<Realtime> {
  if (recorded.has(mutation)) return [];
  if (typeof mutation.db === "object" && mutation.db !== null) return hubsByDatabase.get(mutation.db)?.get(mutation.resource) ?? [];
  const latest = latestHubByName.get(mutation.resource);
  return latest ? [latest] : [];
}

function listen(): void {
  if (listening) return;
  listening = true;
  onMutations(async (mutations) => {
    const perHub = new Map<Realtime, Mutation[]>();
    for (const mutation of mutations) {
      for (const hub of hubsFor(mutation)) {
        let list = perHub.get(hub);
        if (!list) perHub.set(hub, (list = []));
        list.push(mutation);
      }
    }
    await Promise.all([...perHub].map(([hub, list]) => hub.appendMutations(list)));
  });
}
