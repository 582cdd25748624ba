/**
 * What every host does with a task it has just claimed before running it: a task no handler is
 * registered for is dead at once (a retry would land on the same registry), and a task whose
 * `maxConcurrency` is full goes back to the queue uncharged, to run at `requeueAt`. Shared by the
 * worker pool (worker.ts) and the timer-driven pass (task-pass.ts).
 */
import { moveToDlq } from "./dlq";
import type { Claim, TaskQueue } from "./queue";
import type { TaskRegistry } from "./registry";
import type { AnyTaskDefinition, DeadLetter } from "./types";

export interface AdmitSettings {
  queue: TaskQueue;
  registry: TaskRegistry;
  leaseMs: number;
  notifyDlq: (letter: DeadLetter) => Promise<void>;
}

/** What became of a claimed task: it may run now, it was requeued for `at`, or it was dead-lettered. */
export type Admission = { run: AnyTaskDefinition } | { requeuedAt: number } | { deadLettered: true };

export async function admitClaim(
  settings: AdmitSettings,
  { stored, running }: Claim,
  now: number,
  requeueAt: number,
): Promise<Admission> {
  const { queue } = settings;
  const token = running.claimToken!;
  const task = settings.registry.get(stored.name);
  if (task === undefined) {
    const letter = await moveToDlq(queue, stored, `No handler registered for task "${stored.name}"`, now, { token });
    if (letter !== null) await settings.notifyDlq(letter);
    return { deadLettered: true };
  }
  if (
    task.maxConcurrency !== undefined &&
    !(await queue.acquireSlot(task.name, stored.id, task.maxConcurrency, now + settings.leaseMs, now))
  ) {
    stored.runAt = requeueAt;
    await queue.settle(stored, token, { requeue: true });
    return { requeuedAt: requeueAt };
  }
  return { run: task };
}
