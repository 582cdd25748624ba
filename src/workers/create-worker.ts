/**
 * `createWorker`: the Worker module object (`export default { fetch }`) around an app built from
 * the Worker's bindings. Bindings arrive with the first request, not at import time, so the app is
 * built then and reused by every later request of the isolate (what the spec's
 * `let app; app ??= createCovara()...` does by hand); event streams get their own app
 * (`createWorkerFetch`).
 */
import { createWorkerFetch, type WorkerApp } from "./worker-fetch";

/** The part of a Worker's `ExecutionContext` covara uses (structural: no workers-types import). */
export interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  /** Set by the caller of a service binding or a Durable Object (Workers' `ctx.props`). */
  props: unknown;
}

/** The module object a Worker exports as default. */
export interface WorkerHandler<Env> {
  fetch(request: Request, env: Env, ctx: WorkerExecutionContext): Response | Promise<Response>;
}

/** Wraps `build(env)` as a Worker's default export; the app is built on the isolate's first request. */
export function createWorker<Env>(build: (env: Env) => WorkerApp<Env, WorkerExecutionContext>): WorkerHandler<Env> {
  return { fetch: createWorkerFetch(build) };
}
