/**
 * The Worker's side of the task Durable Object: the ordinary task scheduler over the object's KV
 * protocol. Enqueueing, status and results, `waitFor`, recurring schedules and the dead-letter
 * list (list, replay, purge) are the ones every backend has; the object arms its alarm for
 * whatever a call queued.
 */
import {
  createTaskScheduler,
  getTaskRegistry,
  type TaskRegistry,
  type TaskScheduler,
  type TaskSchedulerOptions,
} from "../tasks";
import type { DurableObjectNamespaceLike } from "./cloudflare-types";
import { createDurableObjectKV } from "./kv-client";

/** Options of `createDurableObjectTaskScheduler`. */
export interface DurableObjectTaskSchedulerOptions extends TaskSchedulerOptions {
  /** The object instance holding the queue (`idFromName`). @default "covara" */
  name?: string;
}

/**
 * A scheduler whose queue lives in the task Durable Object behind `namespace` (e.g.
 * `env.COVARA_TASKS`). `registry` resolves task names and validates input before anything is sent
 * (default: `getTaskRegistry()`); the object runs the handlers from its own registry.
 */
export function createDurableObjectTaskScheduler<Id>(
  namespace: DurableObjectNamespaceLike<Id>,
  registry: TaskRegistry = getTaskRegistry(),
  options: DurableObjectTaskSchedulerOptions = {},
): TaskScheduler {
  const { name, ...schedulerOptions } = options;
  const kv = createDurableObjectKV(namespace, name === undefined ? {} : { name });
  return createTaskScheduler(kv, registry, schedulerOptions);
}
