/** Timer helpers shared by the long-running parts (task workers, the realtime hub). */

/** Lets a timer not hold the process open on its own (Workers' timers have no unref). */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
