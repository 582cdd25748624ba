/** Reconnect delays: exponential with full jitter (a random delay in [0, min(cap, base·2^attempt)]). */

export interface BackoffOptions {
  /** First ceiling, in ms (the server's `retry:` replaces it). Default 1000. */
  baseMs?: number;
  /** Largest ceiling. Default 30000. */
  maxMs?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0-based). */
export function fullJitterDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const cap = options.maxMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
