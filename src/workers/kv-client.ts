/**
 * `createDurableObjectKV`: the kernel KV a Worker uses, talking to `CovaraKVDurableObject` through
 * its namespace binding. Each call is one request to the object; each subscription is one
 * WebSocket to it, opened in the request that subscribes (workerd ties a socket to the request
 * that opened it). A socket that drops (the object was reset or moved) reconnects by itself;
 * messages published meanwhile are lost, which the realtime layer repairs from the changelog.
 */
import type { KV, KVMessageHandler } from "../kernel/kv";
import { deliverMessage } from "../kv/deliver";
import type { DurableObjectNamespaceLike, DurableObjectStubLike, WorkerWebSocket } from "./cloudflare-types";
import { webSocketOf } from "./cloudflare-types";
import {
  COMMAND_PATH,
  decodeValue,
  encodeValue,
  type KVCommandName,
  OBJECT_ORIGIN,
  SUBSCRIBE_PATH,
} from "./kv-protocol";

/** Options of `createDurableObjectKV`. */
export interface DurableObjectKVOptions {
  /** The object instance to use (`idFromName`); default "covara". One name is one shared store. */
  name?: string;
  /** First delay before a dropped subscription reconnects, in ms (default 50; doubles to 5 s). */
  reconnectDelayMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 5000;

/** Creates a KV backed by the `CovaraKVDurableObject` behind `namespace` (e.g. `env.COVARA_KV`). */
export function createDurableObjectKV<Id>(
  namespace: DurableObjectNamespaceLike<Id>,
  options: DurableObjectKVOptions = {},
): KV {
  const id = namespace.idFromName(options.name ?? "covara");
  const firstDelay = options.reconnectDelayMs ?? 50;
  const subscriptions = new Set<RemoteSubscription>();
  let closed = false;
  // A stub per call: stubs, like sockets, may belong to the request that made them.
  const stub = (): DurableObjectStubLike => namespace.get(id);

  async function call<T>(op: KVCommandName, ...args: unknown[]): Promise<T> {
    if (closed) throw new Error("The Durable Object KV has been closed");
    const response = await stub().fetch(`${OBJECT_ORIGIN}${COMMAND_PATH}`, {
      method: "POST",
      body: encodeValue({ op, args }),
    });
    const body = decodeValue(await response.text());
    if (typeof body !== "object" || body === null)
      throw new Error(`Durable Object KV: unreadable reply (${response.status})`);
    if (!response.ok)
      throw new Error(String(Reflect.get(body, "error") ?? `Durable Object KV: HTTP ${response.status}`));
    return Reflect.get(body, "value");
  }

  return {
    get: (key) => call("get", key),
    set: (key, value, setOptions) => call("set", key, value, setOptions),
    delete: (key) => call("delete", key),
    has: (key) => call("has", key),
    incr: (key, by, incrOptions) => call("incr", key, by ?? 1, incrOptions),
    incrBounded: (key, by, bounds) => call("incrBounded", key, by, bounds),
    expire: (key, ttlMs) => call("expire", key, ttlMs),
    ttl: (key) => call("ttl", key),
    keys: (prefix) => call("keys", prefix),
    zadd: async (key, member, score) => {
      await call("zadd", key, member, score);
    },
    zrem: (key, member) => call("zrem", key, member),
    zscore: (key, member) => call("zscore", key, member),
    zrange: (key, rangeOptions) => call("zrange", key, rangeOptions),
    zremRangeByScore: (key, min, max) => call("zremRangeByScore", key, min, max),
    zcard: (key) => call("zcard", key),
    publish: async (channel, message) => {
      await call("publish", channel, message);
    },

    async subscribe(channel, handler) {
      if (closed) throw new Error("The Durable Object KV has been closed");
      const subscription = new RemoteSubscription(stub, channel, handler, firstDelay);
      await subscription.connect();
      subscriptions.add(subscription);
      return async () => {
        subscriptions.delete(subscription);
        subscription.close();
      };
    },

    async close() {
      closed = true;
      for (const subscription of subscriptions) subscription.close();
      subscriptions.clear();
    },
  };
}

/** One channel subscription: a WebSocket to the object that reopens when it drops. */
class RemoteSubscription {
  private socket: WorkerWebSocket | undefined;
  private closed = false;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly stub: () => DurableObjectStubLike,
    private readonly channel: string,
    private readonly handler: KVMessageHandler,
    private readonly firstDelay: number,
  ) {
    this.delay = firstDelay;
  }

  /** Opens the socket; resolves once the object has registered it (publishes after reach it). */
  async connect(): Promise<void> {
    const url = `${OBJECT_ORIGIN}${SUBSCRIBE_PATH}?channel=${encodeURIComponent(this.channel)}`;
    const response = await this.stub().fetch(url, { headers: { Upgrade: "websocket" } });
    const socket = webSocketOf(response);
    if (socket === null)
      throw new Error(`Durable Object KV: subscribing to "${this.channel}" failed (${response.status})`);
    socket.accept();
    socket.addEventListener("message", (event) => {
      if (!this.closed && typeof event.data === "string") deliverMessage(this.handler, event.data, this.channel);
    });
    socket.addEventListener("close", () => this.reconnectLater());
    socket.addEventListener("error", () => this.reconnectLater());
    this.socket = socket;
    this.delay = this.firstDelay;
    if (this.closed) this.close();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    try {
      this.socket?.close(1000, "unsubscribed");
    } catch {
      // Already closed.
    }
    this.socket = undefined;
  }

  private reconnectLater(): void {
    if (this.closed || this.timer !== undefined) return;
    this.socket = undefined;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.connect().catch(() => this.reconnectLater());
    }, this.delay);
    this.delay = Math.min(MAX_RECONNECT_DELAY_MS, this.delay * 2);
  }
}
