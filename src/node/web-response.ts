/**
 * Writes a Web `Response` to a node:http `ServerResponse`: status, headers (each Set-Cookie kept
 * on its own line), and the body streamed chunk by chunk with backpressure. Event streams get
 * their headers flushed at once so a client sees the stream open before the first event.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

export interface WriteOptions {
  /** The request method; a HEAD response never carries a body. */
  method: string;
  /** Ask the client to close the connection after this response (set while draining). */
  closeConnection: boolean;
}

/** Streams `response` into `outgoing`; resolves when the body is written or the client left. */
export async function writeWebResponse(
  response: Response,
  outgoing: ServerResponse,
  options: WriteOptions,
): Promise<void> {
  const headers = toNodeHeaders(response.headers);
  if (options.closeConnection) headers.connection = "close";
  const writeHead = (): void => {
    outgoing.writeHead(response.status, response.statusText || undefined, headers);
  };

  const body = response.body;
  if (body === null || !mayHaveBody(options.method, response.status)) {
    // Release whatever produced the body (an SSE stream, a file) instead of leaving it pending.
    await body?.cancel().catch(() => {});
    writeHead();
    outgoing.end();
    return;
  }

  const reader = body.getReader();
  // The client hanging up cancels the source, which ends SSE producers and their timers.
  const onClose = (): void => {
    if (!outgoing.writableFinished) reader.cancel().catch(() => {});
  };
  outgoing.once("close", onClose);
  try {
    if (isEventStream(response.headers)) {
      // The client should see the stream open before the first event, however late it comes.
      writeHead();
      outgoing.flushHeaders();
      await pipeChunks(reader, outgoing);
    } else {
      await writeBufferedOrStreamed(reader, outgoing, headers, writeHead);
    }
  } catch (error) {
    failBody(outgoing, error);
  } finally {
    outgoing.off("close", onClose);
  }
}

const NOT_YET = Symbol("not yet");

function nextTurn(): Promise<typeof NOT_YET> {
  return new Promise((resolve) => setImmediate(resolve, NOT_YET));
}

/**
 * A body built from a string or bytes (`c.json()`, `c.text()`) arrives as one chunk followed by
 * an immediate end: it is sent with a Content-Length in one write instead of chunked encoding.
 * Anything still open a tick after its first chunk is streamed as it comes.
 */
async function writeBufferedOrStreamed(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  outgoing: ServerResponse,
  headers: OutgoingHttpHeaders,
  writeHead: () => void,
): Promise<void> {
  const canSetLength = headers["content-length"] === undefined && headers["transfer-encoding"] === undefined;
  const first = await reader.read();
  if (first.done) {
    if (canSetLength) headers["content-length"] = 0;
    writeHead();
    outgoing.end();
    return;
  }
  const next = reader.read();
  const settled = await Promise.race([next.catch((): typeof NOT_YET => NOT_YET), nextTurn()]);
  if (settled !== NOT_YET && settled.done) {
    if (canSetLength) headers["content-length"] = byteLength(first.value);
    writeHead();
    outgoing.end(first.value);
    return;
  }
  writeHead();
  if (!outgoing.write(first.value)) await drained(outgoing);
  await pipeChunks(reader, outgoing, next);
}

/** Writes chunks as they come, honouring backpressure; `pending` is a read already started. */
async function pipeChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  outgoing: ServerResponse,
  pending?: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<void> {
  for (;;) {
    const { done, value } = await (pending ?? reader.read());
    pending = undefined;
    if (done || outgoing.destroyed) break;
    if (!outgoing.write(value)) await drained(outgoing);
  }
  if (!outgoing.destroyed) outgoing.end();
}

/**
 * The body stream failed. Before the status line went out that is a 500; after it, a truncated
 * response is the only honest signal left, so the connection is destroyed, not ended cleanly.
 */
function failBody(outgoing: ServerResponse, error: unknown): void {
  if (outgoing.destroyed) return; // The client left first; nobody is listening.
  console.error("[covara] response body stream failed:", error);
  writeProblem(outgoing, 500, "Internal Server Error");
}

/** Answers with a minimal problem+json document; used when the app itself failed. */
export function writeProblem(outgoing: ServerResponse, status: number, title: string): void {
  if (outgoing.headersSent) {
    // Too late for a status line: cut the connection so the client sees a truncated response.
    outgoing.destroy();
    return;
  }
  const body = JSON.stringify({ type: "about:blank", title, status });
  outgoing.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
  });
  outgoing.end(body);
}

function toNodeHeaders(headers: Headers): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of headers) {
    // Iteration joins repeated headers with ", ", which is wrong for Set-Cookie (dates contain
    // commas); those come from getSetCookie() below, one value per line.
    if (name !== "set-cookie") result[name] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) result["set-cookie"] = cookies;
  return result;
}

function mayHaveBody(method: string, status: number): boolean {
  return method !== "HEAD" && status !== 204 && status !== 304 && status >= 200;
}

function isEventStream(headers: Headers): boolean {
  return headers.get("content-type")?.toLowerCase().startsWith("text/event-stream") ?? false;
}

function byteLength(chunk: Uint8Array | string): number {
  return typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
}

function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.on("drain", done);
    outgoing.on("close", done);
  });
}
