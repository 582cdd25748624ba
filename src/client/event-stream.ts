/**
 * A resumable SSE connection over `fetch` (so auth headers and the 401 refresh apply, and it runs
 * where EventSource does not exist): it parses frames, remembers the last event id, and on any
 * drop reconnects with full-jitter backoff sending `Last-Event-ID`, so the server replays exactly
 * what was missed. A refused subscription (a 4xx problem) is reported once and not retried.
 */
import { fullJitterDelay, type BackoffOptions } from "./backoff";
import { CovaraClientError, errorFromResponse, toClientError, type ProblemDocument } from "./errors";
import type { QueryValue } from "./query-string";
import { createSseParser } from "./sse-parser";
import type { Transport } from "./transport";

export type StreamStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface EventStreamHandlers {
  /** A parsed event; throwing here is reported through onError, never breaks the stream. */
  onEvent(event: string, data: unknown, id: string | undefined): void;
  onError?(error: CovaraClientError): void;
  onStatus?(status: StreamStatus): void;
  /** Wraps the events of one network read, so a consumer can apply them as one change. */
  batch?(apply: () => void): void;
}

export interface EventStreamOptions {
  query?: Record<string, QueryValue>;
  /** Resume from this id instead of starting fresh. */
  lastEventId?: string;
  backoff?: BackoffOptions;
  /** Stop after this many failed attempts in a row (default: never). */
  maxRetries?: number;
}

export interface EventStream {
  /** What the next reconnect sends as Last-Event-ID. */
  readonly lastEventId: string | undefined;
  readonly status: StreamStatus;
  /** Drops the connection now and reconnects (with Last-Event-ID). */
  reconnect(): void;
  close(): void;
}

/** Waits `ms`, or less when closed or when the browser comes back online (retry at once then). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const target = globalThis as {
      addEventListener?: typeof addEventListener;
      removeEventListener?: typeof removeEventListener;
    };
    const done = (): void => {
      clearTimeout(timer);
      target.removeEventListener?.("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    target.addEventListener?.("online", done);
  });

/** Opens `path` as an SSE stream and keeps it open until `close()`. */
export function openEventStream(
  transport: Transport,
  path: string,
  handlers: EventStreamHandlers,
  options: EventStreamOptions = {},
): EventStream {
  const closed = new AbortController();
  let attempt = { controller: new AbortController() };
  let lastEventId = options.lastEventId;
  let status: StreamStatus = "connecting";
  let retryMs = options.backoff?.baseMs ?? 1000;
  let failures = 0;
  closed.signal.addEventListener("abort", () => attempt.controller.abort(), { once: true });

  const setStatus = (next: StreamStatus): void => {
    if (status === next) return;
    status = next;
    try {
      handlers.onStatus?.(next);
    } catch {
      // A throwing status handler must not stop the stream.
    }
  };
  const report = (error: unknown): void => {
    try {
      handlers.onError?.(toClientError(error));
    } catch {
      // A throwing error handler must not stop the stream.
    }
  };

  /** The problem of a `revoked` event: the server ended the stream for these credentials. */
  let revoked: ProblemDocument | undefined;

  /**
   * After `revoked`: a 401 (signed out, or a bearer token expired) may be cured by new credentials,
   * so refresh once and resume with Last-Event-ID; a 403, or a refused refresh, ends the stream.
   */
  const recoverFromRevocation = async (problem: ProblemDocument): Promise<boolean> => {
    const status = typeof problem.status === "number" ? problem.status : 401;
    if (status === 401 && (await transport.refreshAuth())) return true;
    report(new CovaraClientError(status, problem));
    if (status === 401) transport.options.auth?.onUnauthorized?.();
    return false;
  };

  /** One connection; resolves when it ends. Returns false when retrying is pointless. */
  const connectOnce = async (): Promise<boolean> => {
    revoked = undefined;
    attempt = { controller: new AbortController() };
    const signal = attempt.controller.signal;
    const headers: Record<string, string> = { accept: "text/event-stream", "cache-control": "no-cache" };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    let res: Response;
    try {
      res = await transport.fetchRaw("GET", path, { query: options.query, headers, signal, timeoutMs: 0 });
    } catch (error) {
      if (!closed.signal.aborted) report(error);
      return true;
    }
    if (!res.ok || !res.body) {
      let body: unknown;
      try {
        const text = await res.text();
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const error = errorFromResponse(res.status, body, res.statusText);
      report(error);
      // 4xx (but rate limits) are the server saying no: retrying would only repeat it.
      return !(res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408);
    }
    const parser = createSseParser({
      onRetry: (ms) => (retryMs = ms),
      onId: (id) => (lastEventId = id),
      onMessage: (message) => {
        if (message.id !== undefined) lastEventId = message.id;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          report(
            new CovaraClientError(0, {
              code: "STREAM_ERROR",
              detail: `Skipped a malformed '${message.event}' event`,
              event: message.event,
            }),
          );
          return;
        }
        if (message.event === "connected") {
          failures = 0;
          setStatus("open");
        }
        if (message.event === "revoked") {
          revoked = (data ?? {}) as ProblemDocument;
          return;
        }
        if (message.event === "error" || message.event === "reconnect") {
          // The server ends the stream after these; reconnecting resumes from lastEventId.
          const problem = (data ?? {}) as { status?: number; retryMs?: number };
          if (typeof problem.retryMs === "number") retryMs = problem.retryMs;
          if (message.event === "error")
            report(new CovaraClientError(problem.status ?? 0, (data ?? {}) as ProblemDocument));
          return;
        }
        try {
          handlers.onEvent(message.event, data, message.id);
        } catch (error) {
          report(error);
        }
      },
    });
    // A plain reader and TextDecoder (not TextDecoderStream): the most portable pair across runtimes.
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const feed = (): void => parser.feed(decoder.decode(value, { stream: true }));
        if (handlers.batch) handlers.batch(feed);
        else feed();
      }
    } catch (error) {
      if (!closed.signal.aborted && !signal.aborted) report(error);
    } finally {
      reader.releaseLock();
    }
    if (revoked && !closed.signal.aborted) {
      if (!(await recoverFromRevocation(revoked))) return false;
      failures = -1; // new credentials: reconnect at once, not after a backoff
    }
    return true;
  };

  void (async () => {
    try {
      handlers.onStatus?.("connecting");
    } catch {
      // As above.
    }
    while (!closed.signal.aborted) {
      const retry = await connectOnce();
      if (closed.signal.aborted) break;
      if (!retry) break;
      failures++;
      if (options.maxRetries !== undefined && failures > options.maxRetries) break;
      setStatus("reconnecting");
      if (failures > 0)
        await sleep(fullJitterDelay(failures - 1, { ...options.backoff, baseMs: retryMs }), closed.signal);
    }
    setStatus("closed");
  })();

  return {
    get lastEventId() {
      return lastEventId;
    },
    get status() {
      return status;
    },
    reconnect() {
      attempt.controller.abort();
    },
    close() {
      closed.abort();
    },
  };
}
