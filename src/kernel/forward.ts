/**
 * Calls the app's own routes on behalf of a request: htmx's live endpoints and the admin UI answer
 * by asking the resource's REST endpoints, so its authentication, scopes, masking, validation and hooks decide
 * exactly as they would for the JSON API. The caller's credentials (cookies, Authorization, API
 * key headers) travel with it; its body, content negotiation and htmx headers do not.
 */
import type { Context, ExecutionContext, Hono } from "hono";
import type { CovaraEnv } from "./http";

/** The app whose routes are called. */
export type FetchingApp = Pick<Hono<CovaraEnv>, "fetch">;

/** What one forwarded call carries. */
export interface ForwardInit {
  query?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Sees the request before it is sent (the admin UI marks its own calls with it). */
  mark?: (request: Request) => void;
}

/** Headers of the incoming request that belong to it, not to the forwarded call. */
const DROPPED = new Set([
  "content-type",
  "content-length",
  "transfer-encoding",
  "accept",
  "accept-encoding",
  "if-none-match",
  "if-modified-since",
  "last-event-id",
]);

/** The headers the forwarded call carries: the caller's, minus its own body and negotiation. */
function forwardedHeaders(c: Context<CovaraEnv>, extra: Record<string, string> | undefined): Headers {
  const headers = new Headers();
  c.req.raw.headers.forEach((value, name) => {
    if (!DROPPED.has(name) && !name.startsWith("hx-")) headers.set(name, value);
  });
  headers.set("accept", "application/json");
  for (const [name, value] of Object.entries(extra ?? {})) headers.set(name, value);
  return headers;
}

/** The execution context of a Workers request; absent on Node, where Hono's getter throws. */
function executionContextOf(c: Context<CovaraEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** A function calling `app`'s routes for request `c`. */
export function createForwarder(app: FetchingApp, c: Context<CovaraEnv>) {
  return (method: string, path: string, init: ForwardInit = {}): Promise<Response> => {
    const url = new URL(path, c.req.url);
    for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
    const headers = forwardedHeaders(c, init.headers);
    let body: string | undefined;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
    }
    const request = new Request(url, { method, headers, body, signal: c.req.raw.signal });
    init.mark?.(request);
    return Promise.resolve(app.fetch(request, c.env, executionContextOf(c)));
  };
}
