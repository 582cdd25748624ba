/**
 * `createWorkerFetch`: the Worker `fetch` for a covara app that serves subscriptions. workerd ties
 * every socket and stream to the request that opened it, so the realtime hub's one Durable Object
 * subscription, opened by whichever request came first, cannot feed the event streams of later
 * requests. Ordinary requests share one app per isolate; each event stream gets its own app, hub
 * and subscription, which live and end with that stream.
 */

/** What `createWorkerFetch` needs from an app: Hono's `fetch`. */
export interface WorkerApp<Env, Ctx> {
  fetch(request: Request, env: Env, ctx: Ctx): Response | Promise<Response>;
}

/** Wraps an app factory as a Worker `fetch` handler (build the app inside `build`, from `env`). */
export function createWorkerFetch<Env, Ctx>(
  build: (env: Env) => WorkerApp<Env, Ctx>,
): (request: Request, env: Env, ctx: Ctx) => Response | Promise<Response> {
  let shared: WorkerApp<Env, Ctx> | undefined;
  return (request, env, ctx) => {
    if (isEventStreamRequest(request)) return build(env).fetch(request, env, ctx);
    shared ??= build(env);
    return shared.fetch(request, env, ctx);
  };
}

/** A request for Server-Sent Events (what EventSource and covara's client send). */
function isEventStreamRequest(request: Request): boolean {
  return request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/event-stream");
}
