/**
 * `startServer`: serves any fetch-style app (covara, Hono) on node:http, and drains gracefully on
 * SIGTERM/SIGINT: mark shutting down (readiness flips to 503), run shutdown hooks, stop accepting,
 * let in-flight requests finish up to a deadline, then exit.
 *
 * Request and response translation is `@hono/node-server`'s listener: lightweight Request and
 * Response objects (headers and URL built only when read), a request body read only when the app
 * asks for it, and the unread rest of a body discarded after the response so a keep-alive
 * connection stays usable. It replaces `Request`/`Response` on `globalThis` with its subclasses,
 * as `@hono/node-server`'s own `serve` does. This file adds what it lacks: problem+json errors,
 * HEAD answered without running the body, the graceful drain, and streamed headers that leave
 * with the first chunk of the body (see HeadersWithFirstChunk), and headers middleware wants on
 * every response added as the head is written (node/head-defaults.ts).
 */
import {
  createServer,
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type Server,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { AsyncLocalStorage } from "node:async_hooks";
import { getRequestListener, RequestError, type Http2Bindings, type HttpBindings } from "@hono/node-server";
// Deep import on purpose: through `../server`'s index the bundler would place the lifecycle in
// the server chunk, and `covara/node` would load all of Hono and Drizzle just to flip a flag.
import { beginShutdown } from "../kernel/lifecycle";
import { enableTraceScope } from "../kernel/trace-context";
import { defaultLogger } from "../kernel/context";
import { acceptDirectBodies, directBodyOf, type DirectBody } from "../kernel/direct-body";
import { assumeType } from "../kernel/erased";
import { HEAD_DEFAULTS, type HeadDefaults } from "../kernel/response-headers";
import { withHeadDefaults } from "./head-defaults";

/** Anything with a fetch handler: a covara app, a Hono app, `{ fetch }`. */
export interface FetchApp {
  // `any` so Hono's `(request, env?, executionCtx?)` signature is accepted as is.
  fetch(request: Request, ...rest: any[]): Response | Promise<Response>;
}

/** Passed as the app's env (`c.env` in Hono): the raw node:http objects, for connection info. */
export interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

/** Where the server listens, as handed to `onListen`. */
export interface ListenInfo {
  port: number;
  hostname: string;
  /** A URL a local client can connect to (a wildcard address becomes loopback). */
  url: string;
}

export interface ShutdownOptions {
  /** Signals that start a graceful drain. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** How long in-flight requests may run after the signal before sockets are destroyed. Default 10 000. */
  timeoutMs?: number;
  /** Called once the drain is done: 0 when clean, 1 when forced by a second signal. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Options of `startServer`: where to listen and how to shut down.
 *
 * @example
 * ```ts
 * const server = await startServer(app, { port: 8080, hostname: "127.0.0.1" });
 * ```
 */
export interface StartServerOptions {
  /** @default `process.env.PORT`, else 3000; 0 picks a free port */
  port?: number;
  /** @default "0.0.0.0" */
  hostname?: string;
  onListen?: (info: ListenInfo) => void;
  /** Signal handling; `false` leaves signals alone (and never exits the process). */
  shutdown?: ShutdownOptions | false;
  /**
   * Let each request's trace follow its awaits (an AsyncLocalStorage), so log lines written
   * anywhere and covara's outgoing calls (`tracedFetch`) carry it. Before Node 24 an
   * AsyncLocalStorage hooks every promise and costs about a fifth of the list benchmark's
   * throughput; from Node 24 it is cheap.
   * @default true from Node 24, false before
   */
  traceScope?: boolean;
}

/** Node 24 made AsyncLocalStorage cheap (AsyncContextFrame); before it, it hooks every promise. */
const CHEAP_ASYNC_CONTEXT = Number(process.versions.node.split(".")[0]) >= 24;

/** A running server. `close()` drains like a signal does, but neither runs hooks nor exits. */
export interface CovaraServer extends ListenInfo {
  close(): Promise<void>;
  server: Server;
}

/**
 * For a streamed body the listener flushes the headers before it reads the first chunk: two socket
 * writes per response where one would do (a server-sent event stream has its first event ready at
 * once). The flush is deferred until the callbacks and promise jobs of this I/O event have run
 * (setImmediate, not nextTick, which would run between them): if the body's first chunk was
 * written meanwhile, the headers left with it in one write; if not, they go out alone as before,
 * still without waiting for the body.
 */
class HeadersWithFirstChunk extends ServerResponse {
  override flushHeaders(): void {
    setImmediate(flushPendingHeaders, this);
  }
}

function flushPendingHeaders(response: ServerResponse): void {
  // `_headerSent` (node:http's own flag; `headersSent` is already true once they are composed):
  // headers that left with the first chunk need no write of their own.
  if (response.destroyed || (response as ServerResponse & { _headerSent?: boolean })._headerSent === true) return;
  ServerResponse.prototype.flushHeaders.call(response);
}

const DEFAULT_PORT = 3000;
const DEFAULT_HOSTNAME = "0.0.0.0";
const DEFAULT_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
const DEFAULT_TIMEOUT_MS = 10_000;

/** Starts a node:http server for `app` and resolves once it is listening. */
export async function startServer(app: FetchApp, options: StartServerOptions = {}): Promise<CovaraServer> {
  const port = resolvePort(options.port);
  // Requests' traces follow their awaits, so log lines and covara's outgoing calls carry them.
  if (options.traceScope ?? CHEAP_ASYNC_CONTEXT) enableTraceScope(AsyncLocalStorage);
  const shutdown = options.shutdown === false ? undefined : (options.shutdown ?? {});
  const timeoutMs = shutdown?.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  let draining = false;
  let listener: ReturnType<typeof getRequestListener> | undefined;
  // Per response, without a listener or a set entry per request: the class itself asks for
  // `connection: close` when its headers are written during a drain, and on `finish` discards
  // the unread request body and (draining) closes the now idle socket.
  class DrainAwareResponse extends HeadersWithFirstChunk {
    override writeHead(
      statusCode: number,
      statusMessage?: string,
      headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
    ): this;
    override writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      // Headers given to writeHead are merged with those set before, so these stay.
      if (draining && !this.headersSent) this.setHeader("connection", "close");
      const defaults = Reflect.get(this, HEAD_DEFAULTS) as HeadDefaults | undefined;
      if (defaults !== undefined && !this.headersSent) {
        // writeHead(status, headers) or writeHead(status, statusMessage, headers).
        const at = typeof rest[0] === "string" ? 1 : 0;
        rest[at] = withHeadDefaults(this, defaults, rest[at] as Parameters<typeof withHeadDefaults>[2]);
      }
      return Reflect.apply(ServerResponse.prototype.writeHead, this, [statusCode, ...rest]);
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === "finish") {
        discardUnreadBody(this.req);
        if (draining) setImmediate(closeIdle);
      }
      return super.emit(event, ...args);
    }
  }
  // Headers middleware asks this server to add (kernel/response-headers.ts), none until then.
  Object.defineProperty(DrainAwareResponse.prototype, HEAD_DEFAULTS, { value: undefined, writable: true });
  const server = createServer({ ServerResponse: DrainAwareResponse }, (incoming, outgoing) => {
    void listener?.(incoming, outgoing);
  });
  const closeIdle = trackUnusedSockets(server);

  await listen(server, port, options.hostname ?? DEFAULT_HOSTNAME);
  const address = server.address() as AddressInfo;
  const info: ListenInfo = {
    port: address.port,
    hostname: address.address,
    url: `http://${urlHost(address.address)}:${address.port}`,
  };
  listener = getRequestListener(headAware(app), {
    // HTTP/1.0 clients may omit Host; their URLs name this server.
    hostname: `${urlHost(address.address)}:${address.port}`,
    errorHandler: answerError,
  });

  let removeSignalHandlers = (): void => {};
  let closing: Promise<void> | undefined;
  const drain = (graceMs: number): Promise<void> => {
    closing ??= (async () => {
      // Responses whose headers are not out yet ask for `connection: close` (DrainAwareResponse).
      draining = true;
      await closeServer(server, graceMs, closeIdle);
      removeSignalHandlers();
    })();
    return closing;
  };

  if (shutdown) {
    removeSignalHandlers = handleSignals(shutdown, timeoutMs, server, drain);
  }

  const covaraServer: CovaraServer = { ...info, server, close: () => drain(timeoutMs) };
  try {
    options.onListen?.(info);
  } catch (error) {
    await covaraServer.close();
    throw error;
  }
  return covaraServer;
}

/**
 * A HEAD answer carries no body: the app's body is cancelled (releasing an SSE producer or a file)
 * instead of being read to the end for nothing. Other requests accept direct bodies (see
 * kernel/direct-body.ts): a response that carries one untouched is written here, straight to the
 * socket, and the listener is told it was sent.
 */
function headAware(
  app: FetchApp,
): (request: Request, bindings: HttpBindings | Http2Bindings) => Response | Promise<Response> {
  return (request, bindings) => {
    if (request.method !== "HEAD") {
      const outgoing = bindings.outgoing;
      if (!(outgoing instanceof ServerResponse)) return app.fetch(request, bindings);
      acceptDirectBodies(request);
      const response = app.fetch(request, bindings);
      return response instanceof Promise
        ? response.then((answer) => sendDirect(answer, outgoing))
        : sendDirect(response, outgoing);
    }
    const response = app.fetch(request, bindings);
    return Promise.resolve(response).then(async (answer) => {
      if (answer.body === null) return answer;
      await answer.body.cancel().catch(() => {});
      return new Response(null, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
    });
  };
}

/** What `@hono/node-server`'s listener takes for "the handler wrote the response itself". */
const ALREADY_SENT = { status: 200, headers: new Headers({ "x-hono-already-sent": "true" }), body: null };

/** Writes a response with a direct body to `outgoing` (and answers ALREADY_SENT); any other is returned as is. */
function sendDirect(response: Response, outgoing: ServerResponse): Response {
  const direct = directBodyOf(response);
  if (direct === undefined) return response;
  outgoing.writeHead(response.status, outgoingHeaders(response.headers));
  attachBody(direct, outgoing);
  // The headers leave with the first chunk, or alone once this turn ends (HeadersWithFirstChunk).
  outgoing.flushHeaders();
  // The listener only reads `headers` and `body` of what it gets; this is no Response.
  return assumeType<Response>(ALREADY_SENT);
}

function outgoingHeaders(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of headers) if (name !== "set-cookie") record[name] = value;
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record["set-cookie"] = cookies;
  return record;
}

/** Connects a direct body to the response: writes, drains, end, and the client going away. */
function attachBody(direct: DirectBody, outgoing: ServerResponse): void {
  direct.attach({
    write: (chunk) => outgoing.write(chunk),
    end: () => outgoing.end(),
    onDrain: (listener) => outgoing.on("drain", listener),
    onAbort: (listener) => {
      const aborted = (): void => {
        if (!outgoing.writableFinished) listener();
      };
      outgoing.once("close", aborted);
      outgoing.on("error", aborted);
    },
  });
}

/**
 * The request could not be represented (a Host header that would change the URL, a bad target):
 * 400. The app threw: 500, logged here, with nothing of the error in the answer.
 */
function answerError(error: unknown): Response {
  if (error instanceof RequestError) return problem(400, "Bad Request");
  defaultLogger().error("[covara] request handler failed:", error);
  return problem(500, "Internal Server Error");
}

function problem(status: number, title: string): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

/**
 * Once the answer is out, whatever the app left of the request body is thrown away so the socket
 * can carry the next request. An app that read part of the body and stopped (a 413 counted while
 * streaming) leaves the body's Web-stream adapter attached: its queue is full, so it pauses the
 * socket on every chunk and the rest would never arrive. Its listeners go first, as Node's own
 * dump does for a body nobody started reading.
 */
function discardUnreadBody(incoming: IncomingMessage): void {
  if (incoming.readableEnded || incoming.destroyed) return;
  incoming.removeAllListeners("data");
  incoming.resume();
}

/** Installs the signal handlers; returns a function that removes them. */
function handleSignals(
  options: ShutdownOptions,
  timeoutMs: number,
  server: Server,
  drain: (graceMs: number) => Promise<void>,
): () => void {
  const signals = options.signals ?? DEFAULT_SIGNALS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  let forced = false;

  const onSignal = (): void => {
    if (started) {
      // A second signal (Ctrl-C twice) means "now": cut the remaining connections.
      forced = true;
      server.closeAllConnections();
      return;
    }
    started = true;
    const deadline = Date.now() + timeoutMs;
    void (async () => {
      // Hooks run while the server still accepts, so a load balancer polling /readyz sees 503.
      await withDeadline(beginShutdown(), deadline);
      await drain(Math.max(0, deadline - Date.now()));
      exit(forced ? 1 : 0);
    })();
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

/** Stops accepting, closes idle sockets now, and destroys the rest after `graceMs`. */
function closeServer(server: Server, graceMs: number, closeIdle: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    closeIdle();
  });
}

/**
 * Node's `closeIdleConnections()` only knows sockets that served a request. Clients also open
 * sockets ahead of need (undici does after an abort); a drain would wait on those until the
 * client hangs up. The returned function closes both kinds: idle keep-alive sockets, and sockets
 * that have not sent a byte yet.
 */
function trackUnusedSockets(server: Server): () => void {
  // Every open socket; at close, those that never sent a byte are the unused ones (no listener
  // per request to take served sockets out).
  const unused = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  return () => {
    server.closeIdleConnections();
    for (const socket of unused) if (socket.bytesRead === 0) socket.destroy();
  };
}

function listen(server: Server, port: number, hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function resolvePort(port: number | undefined): number {
  const fromEnv = process.env.PORT;
  const value = port ?? (fromEnv ? Number(fromEnv) : DEFAULT_PORT);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(`startServer: invalid port ${String(port ?? fromEnv)}`);
  }
  return value;
}

function urlHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}

function withDeadline(promise: Promise<void>, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
