/**
 * `observability()`: the middleware that gives each request its W3C trace (continuing a valid
 * incoming `traceparent`, else starting one) and, once it is answered, records it: a request entry
 * in the app's observability log, an error entry for a 5xx with an error behind it, the route's
 * latency histogram and status count. Nothing it does can fail the request.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Context } from "hono";
import { contextOf, type ContextSource } from "../kernel/context";
import type { CovaraEnv } from "../kernel/http";
import type { Logger } from "../kernel/logger";
import { runWithTrace, traceFromHeader, type TraceContext } from "../kernel/trace-context";
import { getMetrics, getObservabilityLog } from "./context";

export interface ObservabilityMiddlewareOptions {
  /** Whose log and metrics to record into. @default the default context */
  app?: ContextSource;
  /** Append a request entry per request to the log. @default true */
  recordRequests?: boolean;
  /** Writes one `info` line per request (method, route, status, duration, trace id). @default none */
  logger?: Logger;
  /** Paths neither recorded nor counted (still traced). @default health probes and the metrics endpoint */
  ignorePaths?: readonly string[];
  /** Distinct route labels kept; requests on further routes are counted as `(other)`. @default 500 */
  maxRoutes?: number;
}

export const DEFAULT_IGNORED_PATHS: readonly string[] = ["/healthz", "/readyz", "/__covara/metrics"];

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The matched route pattern; requests no handler answered share one label. */
function routeOf(c: Context, status: number): string {
  const pattern = routePath(c) || "";
  if (status === 404 && (pattern === "" || pattern === "*" || pattern.endsWith("/*"))) return "(unmatched)";
  return pattern;
}

/**
 * The request's `traceparent`. On Node (`c.env.incoming` is the IncomingMessage) it is read from
 * the raw headers: asking the Request for a header makes @hono/node-server build a Headers object
 * for it, which costs more than the rest of this middleware.
 */
function traceparentOf(c: Context): string | undefined {
  const env: unknown = c.env;
  const incoming: unknown = typeof env === "object" && env !== null ? Reflect.get(env, "incoming") : undefined;
  const headers: unknown =
    typeof incoming === "object" && incoming !== null ? Reflect.get(incoming, "headers") : undefined;
  if (typeof headers !== "object" || headers === null) return c.req.header("traceparent");
  const value: unknown = Reflect.get(headers, "traceparent");
  return typeof value === "string" ? value : undefined;
}

/** The observability middleware (createCovara installs it unless `observability: { middleware: false }`). */
export function observability(options: ObservabilityMiddlewareOptions = {}): MiddlewareHandler<CovaraEnv> {
  const context = contextOf(options.app);
  const log = getObservabilityLog(context);
  const metrics = getMetrics(context);
  const requests = metrics.counter(
    "covara_http_requests_total",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
  );
  const latency = metrics.histogram(
    "covara_http_request_duration_seconds",
    "HTTP request latency in seconds, by method and route pattern.",
    { labelNames: ["method", "route"] },
  );
  const ignored = new Set(options.ignorePaths ?? DEFAULT_IGNORED_PATHS);
  const recordRequests = options.recordRequests !== false;
  const maxRoutes = options.maxRoutes ?? 500;
  const routes = new Set<string>();

  function record(c: Context<CovaraEnv>, trace: TraceContext, started: number): void {
    const durationMs = performance.now() - started;
    const status = c.res.status;
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "OTHER";
    let route = routeOf(c, status);
    if (!routes.has(route)) {
      if (routes.size >= maxRoutes) route = "(other)";
      else routes.add(route);
    }
    requests.inc({ method, route, status });
    latency.observe({ method, route }, durationMs / 1000);
    const user = c.get("user");
    const userId = user ? String(user.id) : undefined;
    const path = c.req.path;
    if (recordRequests)
      log.append({ kind: "request", method, route, path, status, durationMs, traceId: trace.traceId, userId });
    const error = c.error;
    if (error && status >= 500) {
      log.append({
        kind: "error",
        message: error.message,
        code: error.name,
        status,
        method,
        route,
        path,
        stack: error.stack,
        traceId: trace.traceId,
      });
    }
    options.logger?.info?.("request", {
      method,
      route,
      path,
      status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      traceId: trace.traceId,
      userId,
    });
  }

  return async (c, next) => {
    const trace = traceFromHeader(traceparentOf(c));
    c.set("trace", trace);
    const started = performance.now();
    await runWithTrace(trace, next);
    if (ignored.has(c.req.path)) return;
    try {
      record(c, trace, started);
    } catch {
      // Recording is best effort: the response is already made and must go out unchanged.
    }
  };
}
