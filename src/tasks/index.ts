/** covara/tasks — a distributed task queue over the KV interface: define, enqueue, schedule, run, retry, dead-letter. */
export { defineTask } from "./define-task";
export { createTaskRegistry, getTaskRegistry } from "./registry";
export type { TaskRegistry } from "./registry";
export {
  createTaskScheduler,
  getTaskResult,
  getTaskScheduler,
  getTaskStatus,
  initializeTasks,
} from "./scheduler";
export type { TaskScheduler, TaskSchedulerOptions } from "./scheduler";
export { startTaskWorkers } from "./worker";
export type { TaskWorker, TaskWorkerOptions } from "./worker";
export { computeBackoffDelay } from "./backoff";
export { cronOccurrencesBetween, nextCronOccurrence, parseCron } from "./cron";
export type { CronExpression } from "./cron";
export type { DlqHook } from "./dlq";
export { listTasks } from "./inspect";
export type { TaskListState } from "./inspect";
export { TaskTimeoutError } from "./errors";
export type {
  AnyTaskDefinition,
  BackoffKind,
  CatchUpPolicy,
  DeadLetter,
  EnqueueOptions,
  EnqueueResult,
  RecurringOptions,
  RecurringSchedule,
  RetryPolicy,
  TaskConfig,
  TaskContext,
  TaskDefinition,
  TaskOutcome,
  TaskSnapshot,
  TaskStatus,
} from "./types";
export { recordExternalTask, runExternalAttempt } from "./external-attempt";
export type { ExternalAttemptOutcome, ExternalTaskOptions } from "./external-attempt";
