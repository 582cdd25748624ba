/**
 * `CovaraKVDurableObject`: the kernel KV on one Durable Object, so every isolate of a Worker shares
 * rate limits, sessions, OIDC stores, task queues and the realtime changelog, and pub/sub fans out
 * across isolates. Data lives in the object's SQLite storage (it survives eviction and restarts);
 * each subscription is a hibernatable WebSocket tagged with its channel, so an idle object can be
 * evicted while subscribers stay connected.
 *
 * Bind it with `new_sqlite_classes = ["CovaraKVDurableObject"]` (see docs/durable-object-kv.md).
 */
import type { DurableObjectContext, WorkerWebSocket } from "./cloudflare-types";
import { newWebSocketPair, upgradeResponse } from "./cloudflare-types";
import {
  COMMAND_PATH,
  decodeValue,
  encodeValue,
  isKVCommandName,
  MAX_CHANNEL_LENGTH,
  SUBSCRIBE_PATH,
} from "./kv-protocol";
import { SqlKVStore } from "./kv-sql-store";

/** Expired keys are swept this long after they lapse, so many short TTLs share one alarm. */
const SWEEP_SLACK_MS = 10_000;

/** The Durable Object behind `createDurableObjectKV`; export it from the Worker's entry module. */
export class CovaraKVDurableObject {
  protected readonly store: SqlKVStore;
  /** When the alarm is set for, as far as this instance knows (null: none). */
  private alarmAt: number | null = null;
  /** Settles once the instance knows its alarm; a subclass's start-up work waits for it. */
  protected readonly started: Promise<void>;

  constructor(
    protected readonly ctx: DurableObjectContext,
    _env: unknown,
  ) {
    this.store = new SqlKVStore(ctx.storage.sql);
    this.started = ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === SUBSCRIBE_PATH) return this.acceptSubscriber(request, url.searchParams.get("channel"));
    if (url.pathname === COMMAND_PATH && request.method === "POST") return this.runCommand(await request.text());
    return new Response("Not found", { status: 404 });
  }

  /** The sweep: drops expired keys (a bounded batch) and sets the alarm for the next ones. */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    const next = this.store.sweepExpired(now);
    // `now`: the batch was full, so the rest goes in another alarm right away.
    if (next === now) await this.armAlarm(now);
    else if (next !== null) await this.scheduleSweep(next);
  }

  // Hibernation API: a subscriber sends nothing; these keep the runtime from logging unhandled events.
  webSocketMessage(_ws: WorkerWebSocket, _message: unknown): void {}

  webSocketClose(ws: WorkerWebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "unsubscribed");
    } catch {
      // Already closed.
    }
  }

  webSocketError(): void {}

  /** Sends `message` to every subscriber of `channel`, in any isolate; returns how many got it. */
  protected publish(channel: string, message: string): number {
    let delivered = 0;
    for (const socket of this.ctx.getWebSockets(channel)) {
      try {
        socket.send(message);
        delivered++;
      } catch {
        // A socket closing right now: its subscriber resubscribes and catches up from the store.
      }
    }
    return delivered;
  }

  private acceptSubscriber(request: Request, channel: string | null): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    }
    if (channel === null || channel === "" || channel.length > MAX_CHANNEL_LENGTH) {
      return new Response(`A channel name of 1 to ${MAX_CHANNEL_LENGTH} characters is required`, { status: 400 });
    }
    const [client, server] = newWebSocketPair();
    this.ctx.acceptWebSocket(server, [channel]);
    return upgradeResponse(client);
  }

  private async runCommand(body: string): Promise<Response> {
    let result: unknown;
    try {
      result = await this.execute(decodeValue(body));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return new Response(encodeValue({ error: message }), { status: 400 });
    }
    return new Response(encodeValue({ value: result ?? null }));
  }

  private async execute(command: unknown): Promise<unknown> {
    if (typeof command !== "object" || command === null) throw new Error("A KV command must be an object");
    const op: unknown = Reflect.get(command, "op");
    const args: unknown = Reflect.get(command, "args");
    if (!isKVCommandName(op) || !Array.isArray(args)) throw new Error("Unknown KV command");
    const s = this.store;
    switch (op) {
      case "get":
        return s.get(str(args[0]));
      case "set": {
        const o = options(args[2]);
        const ttlMs = optionalNumber(o.ttlMs);
        return this.withSweep(s.set(str(args[0]), str(args[1]), { ttlMs, ifNotExists: o.ifNotExists === true }), ttlMs);
      }
      case "delete":
        return s.delete(str(args[0]));
      case "has":
        return s.has(str(args[0]));
      case "incr": {
        const ttlMs = optionalNumber(options(args[2]).ttlMs);
        return this.withSweep(s.incr(str(args[0]), num(args[1] ?? 1), ttlMs), ttlMs);
      }
      case "incrBounded": {
        const o = options(args[2]);
        return s.incrBounded(str(args[0]), num(args[1]), { min: optionalNumber(o.min), max: optionalNumber(o.max) });
      }
      case "expire": {
        const ttlMs = args[1] === null ? null : num(args[1]);
        return this.withSweep(s.expire(str(args[0]), ttlMs), ttlMs ?? undefined);
      }
      case "ttl":
        return s.ttl(str(args[0]));
      case "keys":
        return s.keys(str(args[0]));
      case "zadd":
        return s.zadd(str(args[0]), str(args[1]), num(args[2]));
      case "zrem":
        return s.zrem(str(args[0]), str(args[1]));
      case "zscore":
        return s.zscore(str(args[0]), str(args[1]));
      case "zrange": {
        const o = options(args[1]);
        return s.zrange(str(args[0]), {
          min: optionalNumber(o.min),
          max: optionalNumber(o.max),
          minExclusive: o.minExclusive === true,
          limit: optionalNumber(o.limit),
          reverse: o.reverse === true,
        });
      }
      case "zremRangeByScore":
        return s.zremRangeByScore(str(args[0]), num(args[1]), num(args[2]));
      case "zcard":
        return s.zcard(str(args[0]));
      case "publish":
        return this.publish(str(args[0]), str(args[1]));
    }
  }

  /** Makes sure a key given a TTL is swept eventually; returns `result` unchanged. */
  private async withSweep<T>(result: T, ttlMs: number | undefined): Promise<T> {
    if (ttlMs !== undefined && ttlMs > 0) await this.scheduleSweep(Date.now() + ttlMs);
    return result;
  }

  /** Makes sure the alarm runs by `expiresAt` plus the slack, so the key it names gets swept. */
  protected async scheduleSweep(expiresAt: number): Promise<void> {
    await this.armAlarm(expiresAt + SWEEP_SLACK_MS);
  }

  /**
   * Makes sure the alarm fires by `at`: one alarm per object serves every purpose (the sweep, a
   * subclass's own work), so an earlier request wins and a later one is already covered.
   */
  protected async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

function str(value: unknown): string {
  if (typeof value !== "string") throw new Error("Expected a string argument");
  return value;
}

function num(value: unknown): number {
  if (typeof value !== "number") throw new Error("Expected a number argument");
  return value;
}

/** An options object argument (`{}` when absent). */
function options(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error("Expected an options object");
  return Object.fromEntries(Object.entries(value));
}

function optionalNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : num(value);
}
