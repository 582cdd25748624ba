/**
 * Running something after the current turn of the event loop, when I/O has had its chance:
 * `setImmediate` where there is one (Node), a zero timeout elsewhere (Workers).
 */
type Scheduler = (run: () => void) => void;

const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;

/** Calls `run` once the event loop has turned. */
export const afterThisTurn: Scheduler =
  typeof immediate === "function" ? (run) => void immediate(run) : (run) => void setTimeout(run, 0);

/** Lets I/O run (sockets drain, reads arrive) before going on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => afterThisTurn(resolve));
}
