/**
 * Response bodies a Node server can write straight to its socket. A server-sent event stream
 * built as a Web `ReadableStream` costs, per stream, the stream's construction (Node copies it
 * into a transferable object) and a promise chain per chunk read; covara's `startServer` instead
 * hands the socket to the body as a `ByteSink`. Only requests that `startServer` marked
 * (`acceptDirectBodies`) get such a response, so other runtimes and `app.request` always see an
 * ordinary streaming Response.
 *
 * A direct-body response is a real Response whose `body` is built on first read: middleware that
 * reads or re-wraps it (Hono does on `c.header()` after the handler) gets the Web stream, and the
 * server then streams that as usual. The shortcut is taken only for the response the app
 * returned untouched.
 */

/** Where a direct body writes: a Node response, as `startServer` adapts it. */
export interface ByteSink {
  /** Writes a chunk; false when the socket's buffer is full (wait for `onDrain`). */
  write(chunk: Uint8Array): boolean;
  /** Ends the response after what was written. */
  end(): void;
  /** Called each time a full buffer drained. */
  onDrain(listener: () => void): void;
  /** Called once when the connection closed before `end` (the client went away). */
  onAbort(listener: () => void): void;
}

/** A body that can be streamed either as a Web stream or straight into a ByteSink (not both). */
export interface DirectBody {
  /** The Web stream of the body, built on first read. */
  readonly stream: ReadableStream<Uint8Array>;
  /** True once `stream` was read: the body can no longer be attached to a sink. */
  readonly streamed: boolean;
  attach(sink: ByteSink): void;
}

const accepting = new WeakSet<Request>();

/** Marks a request as served by a server that takes direct bodies (covara's `startServer`). */
export function acceptDirectBodies(request: Request): void {
  accepting.add(request);
}

/** Whether the server of `request` writes direct bodies itself. */
export function acceptsDirectBodies(request: Request): boolean {
  return accepting.has(request);
}

const consumingMethods = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

/** A Response around a direct body; `body` (and every method that reads it) uses its Web stream. */
class DirectBodyResponse extends Response {
  readonly direct: DirectBody;

  constructor(direct: DirectBody, init: ResponseInit) {
    super(null, init);
    this.direct = direct;
  }

  override clone(): Response {
    return this.asStreamed().clone();
  }

  /** An ordinary Response over the Web stream (for the methods that read the body). */
  asStreamed(): Response {
    return new Response(this.direct.stream, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}
// Accessors on the prototype: the platform declares `body` as a property, so a subclass cannot
// declare it as a getter.
Object.defineProperty(DirectBodyResponse.prototype, "body", {
  get(this: DirectBodyResponse) {
    return this.direct.stream;
  },
});
Object.defineProperty(DirectBodyResponse.prototype, "bodyUsed", {
  get(this: DirectBodyResponse) {
    return this.direct.streamed && this.direct.stream.locked;
  },
});
for (const method of consumingMethods) {
  Object.defineProperty(DirectBodyResponse.prototype, method, {
    value(this: DirectBodyResponse) {
      return this.asStreamed()[method]();
    },
  });
}

/** A Response whose body `startServer` may write directly (see the module comment). */
export function directBodyResponse(direct: DirectBody, init: ResponseInit): Response {
  return new DirectBodyResponse(direct, init);
}

/**
 * The direct body of `response`, unless it has none or its Web stream was read already. Only the
 * response `directBodyResponse` built carries one: a clone or a re-wrapped response is an
 * ordinary Response.
 */
export function directBodyOf(response: Response): DirectBody | undefined {
  if (!(response instanceof DirectBodyResponse) || response.direct.streamed) return undefined;
  return response.direct;
}
