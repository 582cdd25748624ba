/**
 * The reaper: puts back the tasks of leases that lapsed, i.e. of workers that died or stalled.
 */
import { moveToDlq } from "./dlq";
import type { TaskQueue } from "./queue";
import type { DeadLetter } from "./types";

/** Returns the tasks of lapsed leases to the queue, or to the DLQ after `maxLapses` lapses. */
export async function reapLapsedLeases(
  queue: TaskQueue,
  now: number,
  maxLapses: number,
  onDead: (letter: DeadLetter) => Promise<void>,
): Promise<void> {
  for (const { id, guard } of await queue.takeLapsedLeases(now)) {
    const record = await queue.readRecord(id);
    if (record === null) continue;
    if (record.status === "running" && !guard) {
      // Written only if the stalled attempt has not settled meanwhile (its token still stands);
      // the slot it may hold is freed as well (a no-op for tasks without maxConcurrency).
      const owner = { token: record.claimToken, slot: record.name };
      const lapses = (record.lapses ?? 0) + 1;
      const reason = `Lease expired: the worker running attempt ${record.attempt} stopped heartbeating`;
      record.lapses = lapses;
      if (lapses >= maxLapses) {
        const letter = await moveToDlq(queue, record, `${reason} (${lapses} times)`, now, owner);
        if (letter !== null) await onDead(letter);
        continue;
      }
      // A crash is not the task's fault: the attempt is not charged, the lapse is counted.
      record.status = "pending";
      record.attempt -= 1;
      record.error = reason;
      record.runAt = now;
      // Clearing the token stops the stalled worker's late writes.
      delete record.claimToken;
      await queue.settle(record, owner.token, { requeue: true, slot: owner.slot });
    } else if (record.status === "pending" && !(await queue.isQueued(id)) && !(await queue.isLeased(id))) {
      // A process died between taking the task out of one set and putting it in the next.
      await queue.push(record, now);
    }
    // Anything else is a stale entry (a claim race loser, a finished task): dropping it was enough.
  }
}
