/**
 * Which hub records which write, per app context. A context's routing listens on that context's
 * mutation feed only, so a write in one app never reaches another app's hub. Within one app a
 * mutation is routed by the database it went through AND its resource name (one app may serve
 * resources of one name from two databases, each with its own hub); a mutation without a database
 * (an external writer) goes to the hub that most recently mounted a resource of that name in the
 * app: that is the default `recordExternalMutation` uses.
 */
import type { ChangelogEntry } from "../kernel/changelog";
import type { CovaraContext } from "../kernel/context";
import type { Mutation, MutationOp } from "../kernel/mutations";

/** What routing needs of a hub (declared here so routing never imports the hub that imports it). */
interface RoutedHub {
  appendMutations(mutations: readonly Mutation[]): Promise<unknown>;
  recordExternalMutation(
    resource: string,
    op: MutationOp,
    options: { objectId: string | number },
  ): Promise<ChangelogEntry | null>;
}

/** One app's routing tables. */
interface Routing {
  hubsByDatabase: WeakMap<object, Map<string, Set<RoutedHub>>>;
  latestHubByName: Map<string, RoutedHub>;
}

declare module "../kernel/context" {
  interface CovaraContext {
    /** Realtime's routing of the app's mutations to its hubs (created when the first resource registers with a hub). */
    realtimeRouting?: Routing;
  }
}

/** Mutations a hub already appended itself (recordExternalMutation); the listeners skip them. */
const recorded = new WeakSet<Mutation>();

/**
 * The hub that most recently mounted a resource of each name in any app of the process: only for
 * `recordExternalMutation` called without `app` (its behaviour before app contexts), never for
 * routing writes.
 */
const latestInProcess = new Map<string, WeakRef<RoutedHub>>();

/** The context's routing tables, listening on its feed from their creation on. */
function routingOf(app: CovaraContext): Routing {
  if (app.realtimeRouting) return app.realtimeRouting;
  const routing: Routing = { hubsByDatabase: new WeakMap(), latestHubByName: new Map() };
  app.realtimeRouting = routing;
  app.mutations.on(async (mutations) => {
    const perHub = new Map<RoutedHub, Mutation[]>();
    for (const mutation of mutations) {
      for (const hub of hubsFor(routing, mutation)) {
        let list = perHub.get(hub);
        if (!list) perHub.set(hub, (list = []));
        list.push(mutation);
      }
    }
    await Promise.all([...perHub].map(([hub, list]) => hub.appendMutations(list)));
  });
  return routing;
}

/** Routes the writes of resource `name` made through `db` in `app` to `hub`. */
export function routeResource(app: CovaraContext, hub: RoutedHub, db: object, name: string): void {
  const routing = routingOf(app);
  let byName = routing.hubsByDatabase.get(db);
  if (!byName) routing.hubsByDatabase.set(db, (byName = new Map()));
  let hubs = byName.get(name);
  if (!hubs) byName.set(name, (hubs = new Set()));
  hubs.add(hub);
  routing.latestHubByName.set(name, hub);
  latestInProcess.set(name, new WeakRef(hub));
}

/** Stops routing anything to `hub` (it closed). */
export function unrouteHub(hub: RoutedHub, routes: Iterable<readonly [CovaraContext, object, string]>): void {
  for (const [app, db, name] of routes) {
    const routing = app.realtimeRouting;
    if (!routing) continue;
    routing.hubsByDatabase.get(db)?.get(name)?.delete(hub);
    if (routing.latestHubByName.get(name) === hub) routing.latestHubByName.delete(name);
    if (latestInProcess.get(name)?.deref() === hub) latestInProcess.delete(name);
  }
}

/** The hub that most recently mounted a resource called `name` in any app (see `latestInProcess`). */
export function latestHubInProcess(name: string): RoutedHub | undefined {
  return latestInProcess.get(name)?.deref();
}

/** The hub that most recently mounted a resource called `name` in `app`, if any. */
export function latestHubFor(app: CovaraContext, name: string): RoutedHub | undefined {
  return app.realtimeRouting?.latestHubByName.get(name);
}

/** Marks a mutation as already appended to a changelog. */
export function markRecorded(mutation: Mutation): void {
  recorded.add(mutation);
}

function hubsFor(routing: Routing, mutation: Mutation): Iterable<RoutedHub> {
  if (recorded.has(mutation)) return [];
  if (typeof mutation.db === "object" && mutation.db !== null)
    return routing.hubsByDatabase.get(mutation.db)?.get(mutation.resource) ?? [];
  const latest = routing.latestHubByName.get(mutation.resource);
  return latest ? [latest] : [];
}
