/** covara/workers — Cloudflare Workers adapters: the Durable Object KV, Queues, R2, and the Worker's default export. */
export { CovaraKVDurableObject } from "./kv-durable-object";
export { createDurableObjectKV, type DurableObjectKVOptions } from "./kv-client";
export { createWorkerFetch, type WorkerApp } from "./worker-fetch";
export { createQueueTaskConsumer, createQueueTaskProducer } from "./queues";
export type { QueueBatchLike, QueueMessageLike, QueueProducerLike, QueueTaskOptions } from "./queues";
export { createWorker } from "./create-worker";
export type { WorkerExecutionContext, WorkerHandler } from "./create-worker";
export { CovaraTaskDurableObject, createTaskDurableObject } from "./task-durable-object";
export type { TaskDurableObjectClass, TaskDurableObjectOptions } from "./task-durable-object";
export { createDurableObjectTaskScheduler } from "./task-scheduler-client";
export type { DurableObjectTaskSchedulerOptions } from "./task-scheduler-client";
