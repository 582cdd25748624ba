/**
 * `recordExternalMutation(resource, op, { objectId })`: for writers covara does not see — cron
 * jobs, other services, manual SQL. It appends a changelog entry (subscribers of the resource
 * re-read that row and receive added, changed or removed), and publishes the change on the
 * mutation feed (query caches of tracked dbs drop their results). The portable alternative to
 * database-specific change data capture.
 */
import type { ChangelogEntry } from "../kernel/changelog";
import { publishMutations, type MutationOp } from "../kernel/mutations";
import type { Realtime } from "./hub";
import { latestHubFor } from "./routing";

const OPS: ReadonlySet<string> = new Set<MutationOp>(["create", "update", "delete"]);

export interface ExternalMutationOptions {
  /** The id of the changed row. */
  objectId: string | number;
  /**
   * The hub to record in. Default: the hub that most recently mounted a resource of this name in
   * this process (the app's). A process that mounts no resources (a worker) passes a hub over the
   * same KV as the servers.
   */
  realtime?: Realtime;
}

/**
 * Records a change made outside covara. Resolves with the changelog entry, or null when no hub in
 * this process serves the resource (caches are still invalidated).
 */
export async function recordExternalMutation(resource: string, op: MutationOp, options: ExternalMutationOptions): Promise<ChangelogEntry | null> {
  if (typeof resource !== "string" || resource === "") throw new TypeError("recordExternalMutation: resource must be a non-empty string");
  if (!OPS.has(op)) throw new TypeError(`recordExternalMutation: op must be create, update or delete, got ${String(op)}`);
  const objectId = options?.objectId;
  if ((typeof objectId !== "string" || objectId === "") && !(typeof objectId === "number" && Number.isFinite(objectId))) {
    throw new TypeError("recordExternalMutation: objectId must be a non-empty string or a finite number");
  }
  const hub = options.realtime ?? latestHubFor(resource);
  if (hub) return hub.recordExternalMutation(resource, op, { objectId });
  await publishMutations([{ resource, op, id: objectId }]);
  return null;
}
