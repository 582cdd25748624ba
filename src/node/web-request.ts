/**
 * Translates a node:http `IncomingMessage` into a Web `Request`: URL from the request target and
 * Host header, headers in arrival order, the body streamed (never buffered) with backpressure,
 * and a signal that aborts when the client goes away.
 */
import type { IncomingMessage } from "node:http";

/** Thrown when the request cannot be expressed as a Web `Request`; the server answers 400. */
export class MalformedRequestError extends Error {
  override readonly name = "MalformedRequestError";
}

// A registered name, IPv4 or bracketed IPv6 literal, optional port. Anything else (a slash, a
// space, "@") could change the parsed URL's path or authority, so it is refused.
const HOST_HEADER = /^(?:[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const ABSOLUTE_FORM = /^https?:\/\//i;

/** Builds the Web `Request` for one node:http request; `fallbackHost` serves HTTP/1.0 clients. */
export function toWebRequest(
  incoming: IncomingMessage,
  fallbackHost: string,
  signal: AbortSignal,
): Request {
  const method = incoming.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = {
    method,
    headers: toHeaders(incoming.rawHeaders),
    signal,
  };
  if (carriesBody(incoming, method)) {
    init.body = toBodyStream(incoming);
    // Required by the fetch spec whenever the body is a stream.
    init.duplex = "half";
  }
  try {
    return new Request(requestUrl(incoming, fallbackHost), init);
  } catch (error) {
    // e.g. a forbidden method (TRACE) or a header value undici rejects.
    throw new MalformedRequestError("request cannot be represented as a Web Request", { cause: error });
  }
}

function requestUrl(incoming: IncomingMessage, fallbackHost: string): string {
  const target = incoming.url ?? "/";
  // Concatenate rather than `new URL(target, base)`: a target of "//evil.example/x" must stay a
  // path on this host, not become another authority.
  if (target.startsWith("/")) {
    const host = incoming.headers.host || fallbackHost;
    if (!HOST_HEADER.test(host)) throw new MalformedRequestError("invalid Host header");
    return `http://${host}${target}`;
  }
  // Absolute-form targets come from proxies; RFC 9112 says the target's authority wins.
  if (ABSOLUTE_FORM.test(target) && URL.canParse(target)) return target;
  throw new MalformedRequestError("unsupported request target");
}

function toHeaders(rawHeaders: string[]): Headers {
  const headers = new Headers();
  try {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      headers.append(rawHeaders[i] as string, rawHeaders[i + 1] as string);
    }
  } catch (error) {
    throw new MalformedRequestError("invalid header", { cause: error });
  }
  return headers;
}

function carriesBody(incoming: IncomingMessage, method: string): boolean {
  if (method === "GET" || method === "HEAD") return false;
  const length = incoming.headers["content-length"];
  // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 6.3).
  if (incoming.headers["transfer-encoding"] !== undefined) return true;
  return length !== undefined && length !== "0";
}

function toBodyStream(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const onData = (chunk: Buffer): void => {
    if (settled || !controllerRef) return;
    controllerRef.enqueue(chunk);
    // Pause the socket once the stream's queue is full; `pull` resumes it.
    if ((controllerRef.desiredSize ?? 0) <= 0) incoming.pause();
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
      incoming.on("data", onData);
      incoming.once("end", () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      incoming.once("error", (error) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      // The app does not want the rest (a body limit, an early answer): discard it without
      // destroying the socket, so the response can still be written.
      settled = true;
      incoming.off("data", onData);
      incoming.resume();
    },
  });
}
