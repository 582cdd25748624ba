/**
 * An SSE reader for tests: parses a text/event-stream body (from `app.request` or a real socket)
 * into events, tracks the Last-Event-ID an EventSource would send, and counts heartbeats. Waits
 * fail after a generous guard time instead of hanging the suite; no test asserts on timing.
 */
export interface SseEvent {
  event: string;
  /** The `id:` of the event, if it had one. */
  id: string | undefined;
  /** The parsed JSON of `data:`. */
  data: any;
}

const GUARD_MS = 10_000;

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private readonly queue: SseEvent[] = [];
  private ended = false;
  private pumping: Promise<void> | undefined;
  /** What an EventSource would send as Last-Event-ID now. */
  lastEventId: string | undefined;
  heartbeats = 0;
  /** Every event read so far, in order. */
  readonly seen: SseEvent[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** True once the server closed the stream and every event was taken. */
  get done(): boolean {
    return this.ended && this.queue.length === 0;
  }

  /** The next event, skipping heartbeats. */
  async next(guardMs = GUARD_MS): Promise<SseEvent> {
    const deadline = Date.now() + guardMs;
    while (this.queue.length === 0) {
      if (this.ended) throw new Error(`SSE stream ended; events so far: ${this.describe()}`);
      await this.readMore(deadline);
    }
    return this.queue.shift()!;
  }

  /** Events up to and including the first for which `match` holds. */
  async until(match: string | ((event: SseEvent) => boolean), guardMs = GUARD_MS): Promise<SseEvent[]> {
    const test = typeof match === "string" ? (event: SseEvent) => event.event === match : match;
    const taken: SseEvent[] = [];
    for (;;) {
      const event = await this.next(guardMs);
      taken.push(event);
      if (test(event)) return taken;
    }
  }

  /** The next `count` events. */
  async take(count: number, guardMs = GUARD_MS): Promise<SseEvent[]> {
    const taken: SseEvent[] = [];
    while (taken.length < count) taken.push(await this.next(guardMs));
    return taken;
  }

  /** Reads until the server closes the stream; returns the events that were still to come. */
  async toEnd(guardMs = GUARD_MS): Promise<SseEvent[]> {
    const deadline = Date.now() + guardMs;
    while (!this.ended) await this.readMore(deadline);
    return this.queue.splice(0);
  }

  /** Waits for `count` more heartbeats. */
  async heartbeatsAfter(count: number, guardMs = GUARD_MS): Promise<void> {
    const target = this.heartbeats + count;
    const deadline = Date.now() + guardMs;
    while (this.heartbeats < target) {
      if (this.ended) throw new Error("SSE stream ended while waiting for heartbeats");
      await this.readMore(deadline);
    }
  }

  /** The events already read off the stream but not yet taken (what EventSource would have dispatched). */
  takeQueued(): SseEvent[] {
    return this.queue.splice(0);
  }

  /** Hangs up, as a client closing the tab would. */
  async cancel(): Promise<void> {
    this.ended = true;
    await this.reader.cancel().catch(() => {});
  }

  private describe(): string {
    return JSON.stringify(this.seen.map((event) => event.event));
  }

  private readMore(deadline: number): Promise<void> {
    this.pumping ??= (async () => {
      const result = await this.reader.read();
      if (result.done) {
        this.ended = true;
        this.parse(true);
        return;
      }
      this.buffer += this.decoder.decode(result.value, { stream: true });
      this.parse(false);
    })().finally(() => {
      this.pumping = undefined;
    });
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new Error(`no SSE event in time; events so far: ${this.describe()}`));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no SSE event in time; events so far: ${this.describe()}`)), remaining);
    });
    return Promise.race([this.pumping, guard]).finally(() => clearTimeout(timer));
  }

  private parse(final: boolean): void {
    const normalized = this.buffer.replace(/\r\n?/g, "\n");
    const blocks = normalized.split("\n\n");
    this.buffer = final ? "" : blocks.pop()!;
    for (const block of blocks) this.dispatch(block);
  }

  private dispatch(block: string): void {
    if (block === "") return;
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    let comment = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        comment = true;
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) {
      if (comment) this.heartbeats++;
      return;
    }
    const parsed: SseEvent = { event, id, data: JSON.parse(data.join("\n")) };
    this.seen.push(parsed);
    this.queue.push(parsed);
  }
}

export interface OpenedStream {
  status: number;
  headers: Headers;
  /** Present when the server answered with an event stream. */
  reader: SseReader;
  /** The parsed problem document when it did not. */
  problem: any;
}

/** Opens a subscription through `app.request` (no socket). */
export async function openSse(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  options: { user?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<OpenedStream> {
  const headers: Record<string, string> = { accept: "text/event-stream", ...options.headers };
  if (options.user) headers["x-test-user"] = JSON.stringify(options.user);
  return toOpened(await app.request(path, { headers }));
}

/** Opens a subscription on a real server with fetch. */
export async function openSseUrl(
  url: string,
  headers: Record<string, string> = {},
): Promise<OpenedStream & { abort: () => void }> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  return { ...(await toOpened(response)), abort: () => controller.abort() };
}

async function toOpened(response: Response): Promise<OpenedStream> {
  const type = response.headers.get("content-type") ?? "";
  if (response.status === 200 && type.startsWith("text/event-stream") && response.body) {
    return {
      status: response.status,
      headers: response.headers,
      reader: new SseReader(response.body),
      problem: undefined,
    };
  }
  const text = await response.text();
  let problem: unknown = text;
  try {
    problem = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return {
    status: response.status,
    headers: response.headers,
    get reader(): SseReader {
      throw new Error(`not an event stream: ${response.status} ${text}`);
    },
    problem,
  };
}
