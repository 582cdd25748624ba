/**
 * Retry delays: exponential, linear or fixed, capped, with optional jitter.
 */
import type { RetryPolicy } from "./types";

/** The delay before the attempt after `failedAttempt` (1-based), in ms. */
export function computeBackoffDelay(
  policy: Required<RetryPolicy>,
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const base = policy.delayMs;
  let delay: number;
  switch (policy.backoff) {
    case "exponential":
      delay = base * 2 ** (failedAttempt - 1);
      break;
    case "linear":
      delay = base * failedAttempt;
      break;
    case "fixed":
      delay = base;
      break;
  }
  delay = Math.min(delay, policy.maxDelayMs);
  // Jitter spreads retries of tasks that failed together so they do not stampede back together.
  if (policy.jitter > 0) delay = delay * (1 - policy.jitter * random());
  return Math.max(0, Math.round(delay));
}
