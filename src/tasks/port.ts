/**
 * What a task backend outside this folder builds on (the Durable Object backend in `workers/`),
 * without it being public API: the queue over a KV, the lease reaper, and one pass over due work
 * for a host whose clock is a timer it arms rather than a poller.
 */
export { createTaskQueue } from "./create-task-queue";
export { DEFAULT_KEY_PREFIX, type TaskQueue } from "./queue";
export { reapLapsedLeases } from "./reaper";
export { DEFAULT_MISFIRE_GRACE_MS } from "./recurring";
export { nextTaskWakeAt, runTaskPass, type TaskPassSettings } from "./task-pass";
