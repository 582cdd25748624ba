/**
 * When a worker pool looks at the queue: on a notification, at the run time of the earliest delayed
 * task or recurring occurrence (one timer, moved earlier as needed), and on a fallback poll.
 */
import { unref } from "../kernel/timers";

export interface WakeSchedule {
  /** Makes sure the pool wakes by `at` (epoch ms); a later time than the one set changes nothing. */
  by(at: number): void;
  /** Starts the fallback poll: `onWake` every `intervalMs` after the previous one finished. */
  poll(intervalMs: number): void;
  /** Cancels every timer; later calls do nothing. */
  cancel(): void;
}

/** A wake schedule that calls `onWake` (never twice at once from the poll). */
export function createWakeSchedule(onWake: () => Promise<void>): WakeSchedule {
  let cancelled = false;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;

  return {
    by(at) {
      if (cancelled || at >= wakeAt) return;
      if (wakeTimer !== undefined) clearTimeout(wakeTimer);
      wakeAt = at;
      wakeTimer = unref(
        setTimeout(
          () => {
            wakeTimer = undefined;
            wakeAt = Number.POSITIVE_INFINITY;
            void onWake();
          },
          Math.max(0, at - Date.now()),
        ),
      );
    },

    poll(intervalMs) {
      const next = () => {
        if (cancelled) return;
        pollTimer = unref(setTimeout(() => void onWake().finally(next), intervalMs));
      };
      next();
    },

    cancel() {
      cancelled = true;
      if (wakeTimer !== undefined) clearTimeout(wakeTimer);
      if (pollTimer !== undefined) clearTimeout(pollTimer);
    },
  };
}
