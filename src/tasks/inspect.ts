/**
 * Read-only views of a queue for operators (the admin UI's task view): the tasks waiting, running
 * or failing and about to retry. The dead letters have their own listing (`listDeadLetters`).
 */
import type { TaskQueue } from "./queue";
import type { TaskSnapshot } from "./types";

/** Which tasks to list: waiting to run, claimed by a worker, or pending a retry after a failure. */
export type TaskListState = "queued" | "running" | "failed";

/** Up to `limit` tasks in `state`, soonest (or longest running) first; records without a claim token. */
export async function listTasks(
  scheduler: { readonly queue: TaskQueue },
  state: TaskListState,
  options: { limit?: number } = {},
): Promise<TaskSnapshot[]> {
  const { queue } = scheduler;
  const limit = options.limit ?? 100;
  // A task that failed and waits for its next attempt sits in `scheduled` like any other pending task.
  const sets = state === "running" ? ["leases"] : ["ready", "scheduled"];
  const snapshots: TaskSnapshot[] = [];
  for (const set of sets) {
    for (const { member } of await queue.kv.zrange(queue.key(set), { limit: limit * 2 })) {
      const record = await queue.readRecord(member);
      if (record === null || record.status !== (state === "running" ? "running" : "pending")) continue;
      const retrying = record.error !== undefined;
      if (state !== "running" && retrying !== (state === "failed")) continue;
      const { claimToken: _token, ...snapshot } = record;
      snapshots.push(snapshot);
      if (snapshots.length >= limit) return snapshots;
    }
  }
  return snapshots;
}
