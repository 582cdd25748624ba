/**
 * The slices of the Workers runtime covara's Workers adapters use, typed structurally so that
 * src/ needs no `@cloudflare/workers-types` in scope and no binding type leaks into a public API.
 */

/** A value SQLite hands back or takes as a binding. */
export type SqlValue = string | number | null | ArrayBuffer;

/** The cursor `ctx.storage.sql.exec` returns. */
export interface SqlCursor {
  toArray(): Record<string, SqlValue>[];
  readonly rowsWritten: number;
}

/** A SQLite-backed Durable Object's synchronous SQL API. */
export interface SqlStorage {
  exec(query: string, ...bindings: SqlValue[]): SqlCursor;
}

/** The WebSocket as workerd has it: `accept()` for the client end, tags/attachments for hibernation. */
export interface WorkerWebSocket {
  accept(): void;
  send(message: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close" | "error", listener: (event: unknown) => void): void;
}

/** What a Durable Object gets as `ctx` (`DurableObjectState`), as far as covara uses it. */
export interface DurableObjectContext {
  readonly storage: {
    readonly sql: SqlStorage;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
    deleteAlarm(): Promise<void>;
    transactionSync<T>(fn: () => T): T;
  };
  acceptWebSocket(ws: WorkerWebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WorkerWebSocket[];
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

/** A Durable Object stub: requests go to one object instance. */
export interface DurableObjectStubLike {
  fetch(input: Request | string, init?: RequestInit): Promise<Response>;
}

/** A Durable Object namespace binding (`env.COVARA_KV`). */
export interface DurableObjectNamespaceLike<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): DurableObjectStubLike;
}

/** workerd's `WebSocketPair` global: index 0 is the client end, 1 the server end. */
export function newWebSocketPair(): [WorkerWebSocket, WorkerWebSocket] {
  const Pair: unknown = Reflect.get(globalThis, "WebSocketPair");
  if (typeof Pair !== "function") throw new Error("WebSocketPair is only available on Cloudflare Workers");
  const pair: Record<0 | 1, WorkerWebSocket> = Reflect.construct(Pair, []);
  return [pair[0], pair[1]];
}

/** The upgraded socket on a response from workerd's fetch (`response.webSocket`), or null. */
export function webSocketOf(response: Response): WorkerWebSocket | null {
  const socket: unknown = Reflect.get(response, "webSocket");
  return isWorkerWebSocket(socket) ? socket : null;
}

/** A 101 response that hands `client` to the caller. */
export function upgradeResponse(client: WorkerWebSocket): Response {
  const init: ResponseInit & { webSocket: WorkerWebSocket } = { status: 101, webSocket: client };
  return new Response(null, init);
}

function isWorkerWebSocket(value: unknown): value is WorkerWebSocket {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "accept") === "function";
}
