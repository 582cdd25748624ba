/**
 * The request body as a Web stream. On Node (`@hono/node-server` puts the IncomingMessage in
 * `c.env.incoming`) the stream is built over the IncomingMessage directly, with a 1 MiB byte
 * buffer: the adapter's `Readable.toWeb` pauses the socket after every chunk (its buffer is the
 * stream's 16 KiB high-water mark), which halves upload throughput. Anywhere else (Workers, Bun,
 * `app.request`) it is the Request's own body.
 */
import type { Context } from "hono";
import type { CovaraEnv } from "../kernel/http";

/** The part of a Node IncomingMessage used here (duck-typed: this module imports nothing from Node). */
interface NodeIncoming {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  readableEnded: boolean;
  readableFlowing: boolean | null;
  complete: boolean;
}

function nodeIncoming(c: Context<CovaraEnv>): NodeIncoming | undefined {
  const env: unknown = c.env;
  if (typeof env !== "object" || env === null || !("incoming" in env)) return undefined;
  const incoming: unknown = env.incoming;
  if (typeof incoming !== "object" || incoming === null) return undefined;
  const candidate = incoming as Partial<NodeIncoming>;
  // Only a body nobody has started reading.
  if (
    typeof candidate.on !== "function" ||
    typeof candidate.pause !== "function" ||
    candidate.readableFlowing !== null ||
    candidate.readableEnded
  )
    return undefined;
  return candidate as NodeIncoming;
}

const BUFFER_BYTES = 1024 * 1024;

/** The body of the request, or null when it has none. */
export function requestBody(c: Context<CovaraEnv>): ReadableStream<Uint8Array> | null {
  const incoming = nodeIncoming(c);
  if (!incoming) return c.req.raw.body;
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        incoming.on("data", (chunk) => {
          if (finished) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
        });
        incoming.on("end", () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
        incoming.on("error", (error) => {
          if (finished) return;
          finished = true;
          controller.error(error);
        });
        // A connection closed before the body's end: the client went away mid-upload.
        incoming.on("close", () => {
          if (finished || incoming.complete) return;
          finished = true;
          controller.error(new Error("the client closed the connection before the body's end"));
        });
      },
      pull() {
        incoming.resume();
      },
      cancel() {
        // Stop reading (the request is cut): the server answers, then closes or drains the socket.
        finished = true;
        incoming.pause();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BUFFER_BYTES }),
  );
}
