/**
 * `recordExternalMutation(resource, op, { objectId })`: for writers covara does not see — cron
 * jobs, other services, manual SQL. It appends a changelog entry (subscribers of the resource
 * re-read that row and receive added, changed or removed), and publishes the change on the
 * mutation feed (query caches of tracked dbs drop their results). The portable alternative to
 * database-specific change data capture.
 */
import type { ChangelogEntry } from "../kernel/changelog";
import { contextOf, type ContextSource } from "../kernel/context";
import type { MutationOp } from "../kernel/mutations";
import type { Realtime } from "./hub";
import { latestHubFor, latestHubInProcess } from "./routing";

const OPS: ReadonlySet<string> = new Set<MutationOp>(["create", "update", "delete"]);

export interface ExternalMutationOptions {
  /** The id of the changed row. */
  objectId: string | number;
  /**
   * The hub to record in. Default: the hub that most recently mounted a resource of this name in
   * `app` (the app's hub); without `app`, in the default context, else in any app of the process.
   * A process that mounts no resources (a worker) passes a hub over the same KV as the servers.
   */
  realtime?: Realtime;
  /**
   * The app (or its context) the change belongs to: its hub records it and its mutation feed
   * announces it.
   * @default the default context (standalone resources, scripts)
   */
  app?: ContextSource;
}

/**
 * Records a change made outside covara. Resolves with the changelog entry, or null when no hub in
 * this process serves the resource (caches are still invalidated).
 */
export async function recordExternalMutation(
  resource: string,
  op: MutationOp,
  options: ExternalMutationOptions,
): Promise<ChangelogEntry | null> {
  if (typeof resource !== "string" || resource === "")
    throw new TypeError("recordExternalMutation: resource must be a non-empty string");
  if (!OPS.has(op))
    throw new TypeError(`recordExternalMutation: op must be create, update or delete, got ${String(op)}`);
  const objectId = options?.objectId;
  if (
    (typeof objectId !== "string" || objectId === "") &&
    !(typeof objectId === "number" && Number.isFinite(objectId))
  ) {
    throw new TypeError("recordExternalMutation: objectId must be a non-empty string or a finite number");
  }
  const app = contextOf(options.app);
  // Without `app`, the default context's hub, else (as before app contexts) the latest of the process.
  const hub =
    options.realtime ??
    latestHubFor(app, resource) ??
    (options.app === undefined ? latestHubInProcess(resource) : undefined);
  if (hub) return hub.recordExternalMutation(resource, op, { objectId });
  await app.mutations.publish([{ resource, op, id: objectId }]);
  return null;
}
