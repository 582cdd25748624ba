/**
 * A region's live stream: the resource's own `GET /subscribe` stream (the subscription engine,
 * with this subscriber's scope, masking and re-authorization) translated event by event into
 * server-rendered fragments. `snapshot` becomes the region's rows as HTML, `added`/`changed` an
 * `upsert` of one row's HTML, `removed` a `remove`; for an aggregate region (over
 * `/aggregate/subscribe`) each `aggregate` becomes the groups' HTML; every other event and every heartbeat passes
 * through with its `id`, so the browser's Last-Event-ID resumes the underlying subscription.
 */
import { toJson } from "../kernel/json";
import { ProblemError } from "../kernel/errors";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** One parsed event block of the upstream stream. */
interface UpstreamEvent {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
}

/** Renders a row region's rows, or an aggregate region's groups, to HTML. */
export interface StreamRenderer {
  row?(row: Record<string, unknown>): Promise<string>;
  rows?(rows: readonly Record<string, unknown>[]): Promise<string>;
  groups?(groups: Record<string, unknown>[]): Promise<string>;
  /**
   * The region's ordering (its `orderBy`, ending with the id): each row's sort key travels with
   * it, so the browser places a new or changed row where the list endpoint would.
   */
  order?: { keyOf(row: Record<string, unknown>): unknown[]; descending: readonly boolean[] };
}

/** Parses one block (the text between blank lines) of the upstream stream. */
function parseBlock(block: string): UpstreamEvent {
  const parsed: UpstreamEvent = {};
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event" || field === "id" || field === "data" || field === "retry") parsed[field] = value;
  }
  return parsed;
}

/** One outgoing event's text. */
function frame(event: string | undefined, data: string | undefined, id: string | undefined, retry?: string): string {
  let text = retry === undefined ? "" : `retry: ${retry}\n`;
  if (event === undefined && data === undefined)
    return `${text}: heartbeat\n${id === undefined ? "" : `id: ${id}\n`}\n`;
  if (event !== undefined) text += `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  return `${text}data: ${data ?? ""}\n\n`;
}

/** The fragment event for one upstream event. */
async function translate(upstream: UpstreamEvent, render: StreamRenderer): Promise<string> {
  const { event, id, retry } = upstream;
  if (event === "aggregate" && render.groups) {
    const data = JSON.parse(upstream.data ?? "{}") as { groups?: Record<string, unknown>[] };
    return frame("aggregate", toJson({ html: await render.groups(data.groups ?? []) }), id, retry);
  }
  if (
    render.row &&
    render.rows &&
    (event === "snapshot" || event === "added" || event === "changed" || event === "removed")
  ) {
    const data = JSON.parse(upstream.data ?? "{}") as {
      items?: Record<string, unknown>[];
      id?: unknown;
      row?: Record<string, unknown>;
      hasMore?: boolean;
    };
    const order = render.order;
    if (event === "snapshot") {
      const items = data.items ?? [];
      const ordering = order ? { keys: items.map((item) => order.keyOf(item)), descending: order.descending } : {};
      return frame(
        "snapshot",
        toJson({ html: await render.rows(items), hasMore: data.hasMore === true, ...ordering }),
        id,
        retry,
      );
    }
    if (event === "removed") return frame("remove", toJson({ id: String(data.id) }), id, retry);
    const row = data.row ?? {};
    return frame(
      "upsert",
      toJson({ id: String(data.id), html: await render.row(row), ...(order ? { key: order.keyOf(row) } : {}) }),
      id,
      retry,
    );
  }
  return frame(event, upstream.data, id, retry);
}

/** The `error` event sent when a row cannot be rendered; the browser reconnects and resumes. */
function renderFailure(): string {
  const problem = new ProblemError("internal-error", {
    detail: "A row of this live region could not be rendered",
  }).toJSON();
  return frame("error", toJson(problem), undefined);
}

/** The fragment stream of a region over the upstream subscription response. */
export function fragmentStream(
  upstream: Response,
  render: StreamRenderer,
  onRenderError: (error: unknown) => void,
): Response {
  const body = upstream.body;
  if (body === null) return new Response(null, { status: 204 });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const encoder = new TextEncoder();
  let buffer = "";
  let failed = false;
  const stream = new ReadableStream<Uint8Array>({
    // Pulled: a slow browser slows the upstream reads, so the engine's own back-pressure applies.
    async pull(controller) {
      if (failed) {
        controller.close();
        return;
      }
      for (;;) {
        const cut = buffer.indexOf("\n\n");
        if (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          try {
            controller.enqueue(encoder.encode(await translate(parseBlock(block), render)));
          } catch (error) {
            onRenderError(error);
            failed = true;
            controller.enqueue(encoder.encode(renderFailure()));
            await reader.cancel();
          }
          return;
        }
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        buffer += value;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}
