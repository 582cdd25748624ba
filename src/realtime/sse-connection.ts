/**
 * One SSE response body with a bounded buffer. The stream is pull-based: bytes go to the client
 * only as fast as it reads (the Node adapter reads again only once the socket drained), and what
 * waits meanwhile is counted here. Past the limit the waiting events are dropped and replaced by
 * one `error` event, so a stalled client costs a bounded amount of memory and never delays the
 * others; it resumes without loss from its Last-Event-ID, which still names the last event it got.
 */
import { afterThisTurn } from "./event-loop";
import { concatChunks, encodeEvent, problemData } from "./sse-format";
import { toJson } from "../kernel/json";
import type { Logger } from "../kernel/logger";
import type { ByteSink, DirectBody } from "../kernel/direct-body";

/** Where the connection's bytes go: its Web stream's controller, or a socket (ByteSink). */
interface Output {
  /** Delivers a chunk; true when the output takes more at once (no read to wait for). */
  deliver(chunk: Uint8Array): boolean;
  close(): void;
}

/**
 * Events sent during one turn of the event loop reach the reader as one chunk: a burst of changes
 * then costs each socket one write instead of one per event. Connections with a reader waiting and
 * bytes queued are flushed together once the turn ends.
 */
const toFlush = new Set<SseConnection>();
let flushScheduled = false;

function scheduleFlush(connection: SseConnection): void {
  toFlush.add(connection);
  if (flushScheduled) return;
  flushScheduled = true;
  afterThisTurn(() => {
    flushScheduled = false;
    const connections = [...toFlush];
    toFlush.clear();
    for (const each of connections) each.flush();
  });
}

export class SseConnection implements DirectBody {
  private webStream: ReadableStream<Uint8Array> | undefined;
  private output: Output | undefined;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** A read is pending: what gets queued goes to the reader at the end of this event-loop turn. */
  private waiting = false;
  /** No more events are accepted; the stream closes once the queue is read. */
  private ending = false;
  private closed = false;
  private readonly endHandlers: (() => void)[] = [];
  private drainWaiters: { threshold: number; resolve: () => void }[] = [];

  /** `logger`: the app's, where a failing end handler is reported. */
  constructor(
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
  ) {}

  /**
   * The body as a Web stream, built on first read (a Node server served by `startServer` writes
   * the connection to its socket through `attach` instead, and never builds it).
   */
  get stream(): ReadableStream<Uint8Array> {
    this.webStream ??= new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.output ??= {
            deliver: (chunk) => {
              controller.enqueue(chunk);
              // The reader pulls again when it wants more.
              return false;
            },
            close: () => controller.close(),
          };
        },
        pull: () => this.pull(),
        cancel: () => this.cancel(),
      },
      // Nothing is pulled ahead of the reader: every waiting byte is in `queue`, where it is counted.
      { highWaterMark: 0 },
    );
    return this.webStream;
  }

  /** True once the Web stream was built: the connection can no longer be attached to a socket. */
  get streamed(): boolean {
    return this.webStream !== undefined;
  }

  /**
   * Writes the connection straight to `sink` (a Node response): what is queued goes out at once,
   * later events as they come, at the pace the socket drains; the same bounded buffer applies.
   */
  attach(sink: ByteSink): void {
    if (this.output) throw new Error("covara realtime: an SSE connection has one output");
    this.output = { deliver: (chunk) => sink.write(chunk), close: () => sink.end() };
    sink.onDrain(() => this.pull());
    sink.onAbort(() => this.cancel());
    this.pull();
  }

  /** The client went away: drop everything and tell the owner. */
  private cancel(): void {
    if (this.closed) return;
    this.queue = [];
    this.queuedBytes = 0;
    this.closed = true;
    this.markEnded();
  }

  /** True while the stream accepts events. */
  get isOpen(): boolean {
    return !this.ending && !this.closed;
  }

  /** Bytes waiting for the client to read them. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Runs once when the stream stops accepting events (ended, overflowed or cancelled). */
  onEnd(handler: () => void): void {
    if (!this.isOpen) handler();
    else this.endHandlers.push(handler);
  }

  /**
   * Queues one encoded event; false when the stream is no longer open or just overflowed. A single
   * event larger than the limit still goes out: only a client falling behind is cut off.
   * `bounded: false` is for the opening events (the snapshot), which the client has not yet had
   * a chance to read.
   */
  send(chunk: Uint8Array, bounded = true): boolean {
    if (!this.isOpen) return false;
    this.queue.push(chunk);
    this.queuedBytes += chunk.byteLength;
    if (this.waiting) scheduleFlush(this);
    if (bounded && this.queuedBytes > this.maxBufferedBytes && this.queue.length > 1) {
      this.overflow();
      return false;
    }
    return true;
  }

  /**
   * Resolves once at most `threshold` bytes wait for the client (or the stream ended). Replays
   * use it to go at the client's pace instead of overflowing its buffer.
   */
  whenBelow(threshold: number): Promise<void> {
    if (!this.isOpen || this.queuedBytes <= threshold) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push({ threshold, resolve }));
  }

  /** Sends a last event (if any) and closes the stream once the client has read what is queued. */
  end(final?: Uint8Array): void {
    if (!this.isOpen) return;
    if (final) {
      this.queue.push(final);
      this.queuedBytes += final.byteLength;
    }
    this.ending = true;
    this.markEnded();
    if (this.waiting) this.pull();
  }

  /** Hands what is queued to a waiting reader (called once per event-loop turn). */
  flush(): void {
    if (this.waiting) this.pull();
  }

  private overflow(): void {
    const dropped = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    const detail = `The client read too slowly: ${dropped} bytes were waiting (limit ${this.maxBufferedBytes}); reconnect with Last-Event-ID to resume`;
    this.end(
      encodeEvent(
        "error",
        toJson(problemData("slow-consumer", detail, { bufferedBytes: dropped, limit: this.maxBufferedBytes })),
      ),
    );
  }

  private pull(): void {
    const output = this.output;
    if (this.closed || !output) return;
    if (this.queue.length > 0) {
      const chunk = concatChunks(this.queue);
      this.queue = [];
      this.queuedBytes = 0;
      this.waiting = false;
      // A socket that took the chunk without filling up is ready for the next one at once.
      this.waiting = output.deliver(chunk) && !this.ending;
      this.releaseWaiters();
    } else if (!this.ending) {
      this.waiting = true;
      return;
    }
    if (this.ending) {
      this.closed = true;
      output.close();
    }
  }

  private releaseWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const open = this.isOpen;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiting) {
      if (!open || this.queuedBytes <= waiter.threshold) waiter.resolve();
      else this.drainWaiters.push(waiter);
    }
  }

  private markEnded(): void {
    this.releaseWaiters();
    const handlers = this.endHandlers.splice(0);
    for (const handler of handlers) {
      try {
        handler();
      } catch (error) {
        this.logger.error("covara realtime: a stream end handler failed", error);
      }
    }
  }
}
