/**
 * What every subscription endpoint does before its stream opens: refuse while shutting down,
 * start the hub, and build the response around the stream.
 */
import "./problems";
import { ProblemError } from "../kernel/errors";
import { isShuttingDown } from "../kernel/lifecycle";
import { acceptsDirectBodies, directBodyResponse } from "../kernel/direct-body";
import type { Realtime } from "./hub";
import type { SseConnection } from "./sse-connection";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  // Proxies such as nginx must pass events through as they come, not buffer them.
  "x-accel-buffering": "no",
};

/** 503 while the server drains: a new stream would only be cut again at once. */
export function refuseWhileShuttingDown(hub: Realtime): void {
  if (!isShuttingDown()) return;
  throw new ProblemError("shutting-down", {
    detail: "The server is shutting down; subscribe on another instance",
    headers: { "retry-after": String(Math.ceil(hub.settings.retryMs / 1000)) },
  });
}

/** Starts the hub; an unreachable changelog store is a 503, never a 500. */
export async function readyHub(hub: Realtime): Promise<void> {
  try {
    await hub.ready();
  } catch (error) {
    hub.logger.error("covara realtime: the changelog store cannot be reached", error);
    throw new ProblemError("realtime-unavailable", {
      detail: "Live updates are unavailable: the changelog store cannot be reached",
      headers: { "retry-after": String(Math.ceil(hub.settings.retryMs / 1000)) },
    });
  }
}

/**
 * The streaming response of a subscription. Served by covara's `startServer`, the connection is
 * written straight to the socket unless something reads the response's body first (see
 * kernel/direct-body.ts); elsewhere it is an ordinary Web stream.
 */
export function eventStreamResponse(request: Request, connection: SseConnection): Response {
  if (acceptsDirectBodies(request)) return directBodyResponse(connection, { status: 200, headers: SSE_HEADERS });
  return new Response(connection.stream, { status: 200, headers: SSE_HEADERS });
}
