/**
 * Recurring schedules: stored per key, indexed by next run time, fired by whichever worker process
 * looks first. Each occurrence is enqueued under the idempotency key `schedule:{key}:{occurrence}`,
 * claimed with set-if-absent, so several processes firing the same schedule enqueue it once.
 */
import { cronOccurrencesBetween, nextCronOccurrence, parseCron } from "./cron";
import { enqueueTask } from "./enqueue";
import type { TaskQueue } from "./queue";
import type { TaskRegistry } from "./registry";
import type { RecurringSchedule } from "./types";

/** How late an occurrence may fire under catch-up "skip" before it counts as missed (default). */
export const DEFAULT_MISFIRE_GRACE_MS = 60_000;
/** At most this many missed occurrences are enqueued per schedule per pass under "all". */
const MAX_CATCH_UP = 1000;

export async function saveSchedule(queue: TaskQueue, schedule: RecurringSchedule): Promise<void> {
  await queue.kv.set(queue.key("schedule", schedule.key), JSON.stringify(schedule));
  await queue.kv.zadd(queue.key("schedules"), schedule.key, schedule.nextRunAt);
}

export async function readSchedule(queue: TaskQueue, key: string): Promise<RecurringSchedule | null> {
  const raw = await queue.kv.get(queue.key("schedule", key));
  return raw === null ? null : (JSON.parse(raw) as RecurringSchedule);
}

export async function deleteSchedule(queue: TaskQueue, key: string): Promise<boolean> {
  await queue.kv.zrem(queue.key("schedules"), key);
  return queue.kv.delete(queue.key("schedule", key));
}

export async function listSchedules(queue: TaskQueue): Promise<RecurringSchedule[]> {
  const entries = await queue.kv.zrange(queue.key("schedules"));
  const found: RecurringSchedule[] = [];
  for (const { member } of entries) {
    const schedule = await readSchedule(queue, member);
    if (schedule !== null) found.push(schedule);
  }
  return found;
}

/** Which missed occurrences (oldest first) a catch-up policy runs. */
export function pickOccurrences(schedule: RecurringSchedule, missed: number[], now: number, graceMs: number): number[] {
  switch (schedule.catchUp) {
    case "all":
      return missed;
    case "once":
      return missed.slice(-1);
    case "skip":
      return missed.filter((at) => now - at <= graceMs).slice(-1);
  }
}

/** Enqueues the due occurrences of every due schedule; returns how many tasks were enqueued. */
export async function fireDueSchedules(
  queue: TaskQueue,
  registry: TaskRegistry,
  now: number,
  graceMs = DEFAULT_MISFIRE_GRACE_MS,
): Promise<number> {
  const due = await queue.kv.zrange(queue.key("schedules"), { max: now, limit: 50 });
  let enqueued = 0;
  for (const { member: key } of due) {
    const schedule = await readSchedule(queue, key);
    if (schedule === null) {
      await queue.kv.zrem(queue.key("schedules"), key);
      continue;
    }
    const task = registry.get(schedule.task);
    // Another process may know the task; leave the schedule for it.
    if (task === undefined) continue;
    const cron = parseCron(schedule.cron);
    const missed = cronOccurrencesBetween(cron, schedule.lastOccurrence, now, schedule.timezone, MAX_CATCH_UP);
    for (const occurrence of pickOccurrences(schedule, missed, now, graceMs)) {
      const result = await enqueueTask(
        queue,
        task,
        schedule.input,
        { idempotencyKey: `schedule:${key}:${occurrence}`, priority: schedule.priority },
        { schedule: { key, occurrence } },
        now,
      );
      if (!result.deduplicated) enqueued++;
    }
    const last = missed.at(-1);
    if (last !== undefined) schedule.lastOccurrence = last;
    const next = nextCronOccurrence(cron, schedule.lastOccurrence, schedule.timezone);
    if (next === null) {
      await deleteSchedule(queue, key);
      continue;
    }
    schedule.nextRunAt = next;
    await saveSchedule(queue, schedule);
  }
  return enqueued;
}
