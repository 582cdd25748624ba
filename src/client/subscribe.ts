/**
 * A resource subscription: the SSE stream of `/subscribe` turned into typed callbacks. Events of
 * unknown type or with a malformed body are skipped and reported through onError.
 */
import { CovaraClientError } from "./errors";
import { openEventStream, type EventStream, type StreamStatus } from "./event-stream";
import type { QueryValue } from "./query-string";
import type { Transport } from "./transport";
import type { RowId } from "./types";

export interface SubscriptionHandlers<Row> {
  onSnapshot?(
    items: Row[],
    page: { nextCursor: string | null; hasMore: boolean; totalCount?: number; seq: number },
  ): void;
  onAdded?(row: Row, id: RowId): void;
  onChanged?(row: Row, id: RowId): void;
  onRemoved?(id: RowId): void;
  /** The server could not tell what changed: refetch. */
  onInvalidate?(reason: string): void;
  /** Live from `seq`; `resumedFrom` is set when the stream resumed with Last-Event-ID. */
  onConnected?(seq: number, info: { resumedFrom?: number }): void;
  onError?(error: CovaraClientError): void;
  onStatus?(status: StreamStatus): void;
  /** Wraps the events of one network read (see EventStreamHandlers.batch). */
  batch?(apply: () => void): void;
}

export interface Subscription {
  readonly lastEventId: string | undefined;
  readonly status: StreamStatus;
  /** Drops and resumes the stream. */
  reconnect(): void;
  close(): void;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const isId = (value: unknown): value is RowId => typeof value === "string" || typeof value === "number";

/** Subscribes to `streamPath` (a resource's `/subscribe`) with list-style query parameters. */
export function subscribeStream<Row>(
  transport: Transport,
  streamPath: string,
  query: Record<string, QueryValue>,
  handlers: SubscriptionHandlers<Row>,
  options: { lastEventId?: string } = {},
): Subscription {
  const malformed = (event: string): void =>
    handlers.onError?.(
      new CovaraClientError(0, { code: "STREAM_ERROR", detail: `Skipped a malformed '${event}' event`, event }),
    );
  const stream: EventStream = openEventStream(
    transport,
    streamPath,
    {
      onStatus: handlers.onStatus,
      onError: handlers.onError,
      batch: handlers.batch,
      onEvent(event, data) {
        if (!isObject(data)) return malformed(event);
        switch (event) {
          case "connected":
            if (typeof data.seq !== "number") return malformed(event);
            return handlers.onConnected?.(
              data.seq,
              typeof data.resumedFrom === "number" ? { resumedFrom: data.resumedFrom } : {},
            );
          case "snapshot":
            if (!Array.isArray(data.items)) return malformed(event);
            return handlers.onSnapshot?.(data.items as Row[], {
              nextCursor: (data.nextCursor as string | null | undefined) ?? null,
              hasMore: data.hasMore === true,
              seq: Number(data.seq),
              ...(typeof data.totalCount === "number" ? { totalCount: data.totalCount } : {}),
            });
          case "added":
          case "changed":
            if (!isObject(data.row) || !isId(data.id)) return malformed(event);
            return event === "added"
              ? handlers.onAdded?.(data.row as Row, data.id)
              : handlers.onChanged?.(data.row as Row, data.id);
          case "removed":
            if (!isId(data.id)) return malformed(event);
            return handlers.onRemoved?.(data.id);
          case "invalidate":
            return handlers.onInvalidate?.(typeof data.reason === "string" ? data.reason : "unknown");
          default:
            handlers.onError?.(
              new CovaraClientError(0, {
                code: "STREAM_ERROR",
                detail: `Skipped an event of unknown type '${event}'`,
                event,
              }),
            );
        }
      },
    },
    { query, ...(options.lastEventId !== undefined ? { lastEventId: options.lastEventId } : {}) },
  );
  return asSubscription(stream);
}

/** The public face of an event stream. */
export function asSubscription(stream: EventStream): Subscription {
  return {
    get lastEventId() {
      return stream.lastEventId;
    },
    get status() {
      return stream.status;
    },
    reconnect: () => stream.reconnect(),
    close: () => stream.close(),
  };
}
