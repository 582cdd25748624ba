/**
 * Mounts a resource's live endpoints and records its writes. Called by the resource router for
 * every resource, before `/:id` so that `/subscribe` is not taken for an id.
 */
import type { Hono } from "hono";
import { methodNotAllowed } from "../kernel/error-handler";
import { subscribeAggregate } from "./aggregate-subscribe";
import { createRealtime, type Realtime } from "./hub";
import type { AnyRuntime, CovaraEnv } from "./resource-bridge";
import { subscribeRows } from "./subscribe-handler";

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

/** Standalone resources (useResource without createCovara) share one hub per database. */
const hubsByDatabase = new WeakMap<object, Realtime>();

/** The hub of resources mounted on `db` without an app hub. */
function defaultRealtimeFor(db: object): Realtime {
  let hub = hubsByDatabase.get(db);
  if (!hub) hubsByDatabase.set(db, (hub = createRealtime()));
  return hub;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`covara: subscriptions.${name} must be a positive number, got ${value}`);
  return value;
}

/** Registers the resource with its hub and adds GET /subscribe and GET /aggregate/subscribe. */
export function mountSubscriptionRoutes(router: Hono<CovaraEnv>, runtime: AnyRuntime): void {
  const options: SubscriptionOptions | false | undefined = runtime.config.subscriptions;
  if (options === false) return;
  const settings = {
    maxSnapshotRows: Math.floor(positive("maxSnapshotRows", options?.maxSnapshotRows, DEFAULT_MAX_SNAPSHOT_ROWS)),
    maxTrackedRows: Math.floor(positive("maxTrackedRows", options?.maxTrackedRows, DEFAULT_MAX_TRACKED_ROWS)),
    aggregateIntervalMs: positive("aggregateIntervalMs", options?.aggregateIntervalMs, DEFAULT_AGGREGATE_INTERVAL_MS),
  };
  const hub = options?.realtime ?? defaultRealtimeFor(runtime.info.db);
  const reauthorizeMs = positive("reauthorizeMs", options?.reauthorizeMs, hub.settings.reauthorizeMs);
  const registration = hub.register(runtime, { ...settings, reauthorizeMs });
  router.get("/subscribe", (c) => subscribeRows(runtime, registration, hub, c));
  router.all("/subscribe", methodNotAllowed(["GET"]));
  router.get("/aggregate/subscribe", (c) => subscribeAggregate(runtime, registration, hub, c));
  router.all("/aggregate/subscribe", methodNotAllowed(["GET"]));
}
