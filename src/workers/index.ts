/** covara/workers — Cloudflare Workers adapters: the Durable Object KV, Queues, R2. */
export { CovaraKVDurableObject } from "./kv-durable-object";
export { createDurableObjectKV, type DurableObjectKVOptions } from "./kv-client";
export { createWorkerFetch, type WorkerApp } from "./worker-fetch";
