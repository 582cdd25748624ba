/**
 * The `subscriptions` resource extension: a resource's live endpoints (GET /subscribe and GET
 * /aggregate/subscribe), and the recording of its writes on a realtime hub. The resource router
 * mounts its routes before `/:id`, so `/subscribe` is never taken for an id.
 */
import type { Table } from "drizzle-orm";
import type { CovaraContext } from "../kernel/context";
import { methodNotAllowed } from "../kernel/error-handler";
import type { ResourceExtension, ResourceHandle } from "../resource/extension";
import { subscribeAggregate } from "./aggregate-subscribe";
import { createRealtime, type Realtime } from "./hub";
import { subscriptionPaths } from "./openapi-paths";
import type { ResolvedSubscriptionSettings } from "./registration";
import { subscribeRows } from "./subscribe-handler";

declare module "../kernel/context" {
  interface CovaraContext {
    /** The app's realtime hub (createCovara sets it); resources without one use a hub per database. */
    realtime?: Realtime;
    /** Hubs of the context's resources that have no app hub (standalone `useResource`), one per database. */
    realtimeByDatabase?: WeakMap<object, Realtime>;
  }
}

declare module "../resource/extension" {
  interface ResourceExtensionConfig<TTable extends Table> {
    /** Live `GET /subscribe` and `GET /aggregate/subscribe` (on by default; `false` removes them). */
    subscriptions?: SubscriptionOptions | false;
  }
}

/**
 * Per-resource subscription options (`ResourceConfig.subscriptions`).
 *
 * @example
 * ```ts
 * app.resource("/todos", todos, { id: todos.id, db, subscriptions: { maxSnapshotRows: 500 } });
 * ```
 */
export interface SubscriptionOptions {
  /**
   * The hub that records and serves this resource.
   * @default the app's, or one per database
   */
  realtime?: Realtime;
  /**
   * Most rows in the initial snapshot (the `limit` cap of /subscribe).
   * @default 1000
   */
  maxSnapshotRows?: number;
  /**
   * Most row ids one stream remembers to tell `added` from `changed` and to know what to remove
   * (default 10,000). A stream that has been sent more rows stops remembering: memory stays
   * bounded, at the cost of less precise events (see docs/subscriptions.md).
   */
  maxTrackedRows?: number;
  /**
   * Least time between two recomputes of one live aggregate, in ms.
   * @default 250
   */
  aggregateIntervalMs?: number;
  /**
   * How often an open stream re-runs its authentication and re-resolves its read scope, in ms
   * (default: the hub's `reauthorizeMs`, 10,000). Revocations by the auth layer apply at once.
   */
  reauthorizeMs?: number;
}

const DEFAULT_MAX_SNAPSHOT_ROWS = 1000;
const DEFAULT_MAX_TRACKED_ROWS = 10_000;
const DEFAULT_AGGREGATE_INTERVAL_MS = 250;

/**
 * The hub of resources mounted on `db` without an app hub: standalone resources (useResource
 * without createCovara, the default context) share one per database.
 */
function defaultRealtimeFor(app: CovaraContext, db: object): Realtime {
  const hubs = (app.realtimeByDatabase ??= new WeakMap());
  let hub = hubs.get(db);
  if (!hub) hubs.set(db, (hub = createRealtime({ logger: app.logger })));
  return hub;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`covara: subscriptions.${name} must be a positive number, got ${value}`);
  return value;
}

/** The resource's subscription settings, validated (a TypeError names a bad option). */
function resolveSettings(
  options: SubscriptionOptions | undefined,
  hubReauthorizeMs: number,
): ResolvedSubscriptionSettings {
  return {
    maxSnapshotRows: Math.floor(positive("maxSnapshotRows", options?.maxSnapshotRows, DEFAULT_MAX_SNAPSHOT_ROWS)),
    maxTrackedRows: Math.floor(positive("maxTrackedRows", options?.maxTrackedRows, DEFAULT_MAX_TRACKED_ROWS)),
    aggregateIntervalMs: positive("aggregateIntervalMs", options?.aggregateIntervalMs, DEFAULT_AGGREGATE_INTERVAL_MS),
    reauthorizeMs: positive("reauthorizeMs", options?.reauthorizeMs, hubReauthorizeMs),
  };
}

/** App-level options of the subscriptions extension. */
export interface SubscriptionsExtensionOptions {
  /** The hub of every resource that names none in its `subscriptions.realtime` (default: the app's, else one per database). */
  realtime?: Realtime;
}

/**
 * The subscriptions extension: registers each resource with its hub and adds GET /subscribe and
 * GET /aggregate/subscribe. A resource with `subscriptions: false` gets neither.
 */
export function subscriptions(extensionOptions: SubscriptionsExtensionOptions = {}): ResourceExtension {
  return {
    name: "subscriptions",
    problems: ["realtime-unavailable", "shutting-down"],
    init(runtime: ResourceHandle) {
      const options = runtime.config.subscriptions;
      // Checked before the hub is known: the hub's own default is valid by construction.
      if (options !== false) resolveSettings(options, 1);
    },
    mount(router, runtime) {
      const options = runtime.config.subscriptions;
      if (options === false) return;
      const hub =
        options?.realtime ??
        extensionOptions.realtime ??
        runtime.app.realtime ??
        defaultRealtimeFor(runtime.app, runtime.db);
      const registration = hub.register(runtime, resolveSettings(options, hub.settings.reauthorizeMs));
      router.get("/subscribe", (c) => subscribeRows(runtime, registration, hub, c));
      router.all("/subscribe", methodNotAllowed(["GET"]));
      router.get("/aggregate/subscribe", (c) => subscribeAggregate(runtime, registration, hub, c));
      router.all("/aggregate/subscribe", methodNotAllowed(["GET"]));
    },
    openapi: (runtime, base, shared) =>
      runtime.config.subscriptions === false ? {} : subscriptionPaths(base, runtime, shared),
  };
}
