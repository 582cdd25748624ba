/**
 * `defineTask`: checks a task's config once, at definition time, and fills in the defaults.
 */
import type { z } from "zod";
import type { RetryPolicy, TaskConfig, TaskDefinition } from "./types";

export const DEFAULT_RESULT_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETRY: Required<RetryPolicy> = {
  maxAttempts: 1,
  backoff: "exponential",
  delayMs: 1000,
  maxDelayMs: 60 * 60 * 1000,
  jitter: 0,
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Defines a task: a name, a Zod input schema, a handler and its retry/concurrency/timeout policy. */
export function defineTask<S extends z.ZodType, R>(config: TaskConfig<S, R>): TaskDefinition<S, R> {
  if (typeof config.name !== "string" || !NAME.test(config.name)) {
    throw new TypeError(`defineTask: name must match ${NAME} (got ${JSON.stringify(config.name)})`);
  }
  const where = `defineTask("${config.name}")`;
  if (typeof config.handler !== "function") throw new TypeError(`${where}: handler must be a function`);
  if (config.input === undefined || typeof (config.input as { safeParse?: unknown }).safeParse !== "function") {
    throw new TypeError(`${where}: input must be a Zod schema`);
  }
  const retry = { ...DEFAULT_RETRY, ...config.retry };
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
    throw new TypeError(`${where}: retry.maxAttempts must be an integer >= 1`);
  }
  if (!["exponential", "linear", "fixed"].includes(retry.backoff)) {
    throw new TypeError(`${where}: retry.backoff must be "exponential", "linear" or "fixed"`);
  }
  if (!(retry.delayMs >= 0) || !(retry.maxDelayMs >= 0)) {
    throw new TypeError(`${where}: retry delays must be non-negative numbers`);
  }
  if (!(retry.jitter >= 0 && retry.jitter <= 1)) throw new TypeError(`${where}: retry.jitter must be in [0, 1]`);
  const positive = (value: number | undefined, field: string) => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new TypeError(`${where}: ${field} must be a positive number`);
    }
  };
  positive(config.maxConcurrency, "maxConcurrency");
  if (config.maxConcurrency !== undefined && !Number.isInteger(config.maxConcurrency)) {
    throw new TypeError(`${where}: maxConcurrency must be an integer`);
  }
  positive(config.timeoutMs, "timeoutMs");
  positive(config.resultTtlMs, "resultTtlMs");
  return Object.freeze({
    kind: "covara.task" as const,
    name: config.name,
    input: config.input,
    retry,
    maxConcurrency: config.maxConcurrency,
    timeoutMs: config.timeoutMs,
    resultTtlMs: config.resultTtlMs ?? DEFAULT_RESULT_TTL_MS,
    handler: config.handler,
  });
}
