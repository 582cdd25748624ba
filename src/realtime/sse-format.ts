/**
 * Server-sent event framing: one event is `event:`, optional `id:` and one `data:` line of JSON.
 * JSON never contains a raw newline, so a payload always fits a single data line.
 */
import "./problems";
import { ProblemError, type ProblemDocument, type ProblemType } from "../kernel/errors";
import { toJson } from "../kernel/json";

const encoder = new TextEncoder();

/** Every event type a subscription stream sends. */
export type SseEventType =
  | "connected"
  | "snapshot"
  | "added"
  | "changed"
  | "removed"
  | "invalidate"
  | "aggregate"
  | "error"
  | "reconnect"
  | "revoked";

/** One event, encoded; `id` becomes the client's Last-Event-ID. */
export function encodeEvent(type: SseEventType, json: string, id?: number, retryMs?: number): Uint8Array {
  const retry = retryMs === undefined ? "" : `retry: ${retryMs}\n`;
  const idLine = id === undefined ? "" : `id: ${id}\n`;
  return encoder.encode(`${retry}event: ${type}\n${idLine}data: ${json}\n\n`);
}

/** The `invalidate` event: the client must refetch, the server lost track of what it holds. */
export function encodeInvalidate(seq: number, reason: string): Uint8Array {
  return encodeEvent("invalidate", toJson({ seq, reason }), seq);
}

/**
 * A heartbeat comment. With `id` it also moves the client's Last-Event-ID forward without
 * dispatching an event (the SSE parser records the id before it sees the data is empty), so a
 * quiet subscriber resumes from where the changelog is, not from its last delivered event.
 */
export function encodeHeartbeat(id?: number): Uint8Array {
  return id === undefined ? HEARTBEAT : encoder.encode(`: heartbeat\nid: ${id}\n\n`);
}

const HEARTBEAT = encoder.encode(": heartbeat\n\n");

/** The problem document an `error` or `reconnect` event carries. */
export function problemData(
  type: ProblemType,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  return new ProblemError(type, { detail, extensions }).toJSON();
}

/** Joins queued chunks into one, so a congested stream is written with one call when it drains. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}
