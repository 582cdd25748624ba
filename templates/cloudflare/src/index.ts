/**
 * The Worker: the covara app over D1, with its KV (realtime changelog and fan-out, rate limits,
 * sessions) in the CovaraKVDurableObject so every isolate shares it. The app is built per isolate
 * on its first request (bindings arrive with the request), and once per event stream, whose
 * subscription must belong to that stream's own request (see createWorkerFetch).
 * Background tasks run in the CovaraTaskDurableObject: register them with
 * `getTaskRegistry().register(task)` here, enqueue with
 * `createDurableObjectTaskScheduler(env.COVARA_TASKS).enqueue(task, input)`.
 */
import { createCovara } from "covara";
import {
  CovaraKVDurableObject,
  CovaraTaskDurableObject,
  createDurableObjectKV,
  createWorkerFetch,
} from "covara/workers";
import { drizzle } from "drizzle-orm/d1";
import { todos } from "./schema";

// Durable Object classes must be exported from the Worker's main module.
export { CovaraKVDurableObject, CovaraTaskDurableObject };

export interface Env {
  DB: D1Database;
  COVARA_KV: DurableObjectNamespace;
  COVARA_TASKS: DurableObjectNamespace;
}

const OPEN = { read: true, create: true, update: true, delete: true };

function createApp(env: Env) {
  const kv = createDurableObjectKV(env.COVARA_KV);
  return createCovara({ cors: true, kv, realtime: { kv } })
    // Open to everyone while you build: replace `public` with per-user scopes before you ship.
    .resource("/todos", todos, { id: todos.id, db: drizzle(env.DB), auth: { public: OPEN } })
    // `covara generate resource <name>` adds its `.resource(...)` line above this comment.
    ;
}

const handle = createWorkerFetch((env: Env) => createApp(env));

export default {
  fetch: (request, env, ctx) => handle(request, env, ctx),
} satisfies ExportedHandler<Env>;
