/**
 * Subscriptions over a Redis changelog when Redis misbehaves: a killed pub/sub connection loses no
 * event (the hub catches up from the stored log), and an outage longer than outageGraceMs ends the
 * streams with an `error` event while writes keep succeeding — never a crash. Uses the real Redis
 * at REDIS_URL (skipped with the reason when unreachable); the outage is a TCP relay switched off.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createRedisKV } from "../../src/kv";
import { send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";
import { REDIS_URL, RUN_PREFIX, cleanRedis, redisUnavailable } from "./redis-kv";

const reason = await redisUnavailable();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP relay to the real Redis that the test can switch off and on again on the same port. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((inbound) => {
      const outbound = createConnection(Number(target.port || 6379), target.hostname);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => this.sockets.delete(socket));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

if (reason !== null) {
  console.warn(`Skipping the realtime Redis outage tests: ${reason} (set REDIS_URL to a reachable Redis 6.2+)`);
  describe.skip("realtime during Redis outages (no Redis at REDIS_URL)", () => {
    it("needs a Redis server", () => {});
  });
} else {
  const kvs: KV[] = [];
  const readers: SseReader[] = [];
  let admin: Redis | undefined;
  let n = 0;

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
    await closeLiveApps();
    await Promise.all(kvs.splice(0).map((kv) => kv.close()));
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await admin?.quit();
    await cleanRedis();
  });

  async function killConnection(name: string): Promise<void> {
    admin ??= new Redis(REDIS_URL, { connectionName: `${name}-admin` });
    const list = String(await admin.call("CLIENT", "LIST"));
    const ids = list
      .split("\n")
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
    expect(ids).toHaveLength(1);
    await admin.call("CLIENT", "KILL", "ID", ids[0]!);
  }

  eachDialect("realtime during Redis outages", (use) => {
    it("a killed pub/sub connection loses no event: the hub catches up from the stored log, in order", async () => {
      const name = `covara-rt-kill-${process.pid}-${++n}`;
      const kv = await createRedisKV({
        url: REDIS_URL,
        keyPrefix: RUN_PREFIX,
        connectionName: name,
        onError: () => {},
      });
      kvs.push(kv);
      vi.spyOn(console, "error").mockImplementation(() => {});
      const app = liveUsersApp(use(), { kv, hub: { pollIntervalMs: 50 } });
      const opened = await openSse(app, "/api/users/subscribe");
      readers.push(opened.reader);
      await opened.reader.take(2);
      await send(app, "POST", "/api/users", { body: { name: "before", email: "b@x.io" } });
      expect((await opened.reader.next()).data.seq).toBe(1);

      await killConnection(`${name}:sub`);
      // Written while the subscription connection is down or re-subscribing: pub/sub drops these.
      for (let i = 0; i < 10; i++) {
        expect(
          (await send(app, "POST", "/api/users", { body: { name: `during${i}`, email: `d${i}@x.io` } })).status,
        ).toBe(201);
      }
      const events = await opened.reader.take(10);
      expect(events.map((event) => [event.event, event.data.seq])).toEqual(
        Array.from({ length: 10 }, (_, i) => ["added", i + 2]),
      );
      await send(app, "PATCH", "/api/users/1", { body: { age: 1 } });
      expect((await opened.reader.next()).data.seq).toBe(12);
    });

    it("an outage longer than outageGraceMs ends streams with an error event; writes still succeed and are recorded once Redis is back", async () => {
      const relay = new Relay();
      await relay.start();
      const errors: Error[] = [];
      const kv = await createRedisKV({
        url: `redis://127.0.0.1:${relay.port}`,
        keyPrefix: RUN_PREFIX,
        connectTimeoutMs: 1000,
        onError: (error) => errors.push(error),
      });
      kvs.push(kv);
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const app = liveUsersApp(use(), { kv, hub: { pollIntervalMs: 30, outageGraceMs: 150, appendTimeoutMs: 100 } });
      const opened = await openSse(app, "/api/users/subscribe");
      readers.push(opened.reader);
      await opened.reader.take(2);
      await send(app, "POST", "/api/users", { body: { name: "before", email: "b@x.io" } });
      await opened.reader.take(1);
      const lastEventId = opened.reader.lastEventId!;

      await relay.stop();
      // The database write commits; only its changelog entry has to wait for Redis.
      expect((await send(app, "POST", "/api/users", { body: { name: "during", email: "d@x.io" } })).status).toBe(201);
      const [error] = await opened.reader.take(1);
      expect(error!.event).toBe("error");
      expect(error!.data).toMatchObject({ code: "REALTIME_UNAVAILABLE", status: 503 });
      expect(await opened.reader.toEnd()).toEqual([]);
      expect(logged).toHaveBeenCalled();

      await relay.start();
      // Once Redis answers again, resuming delivers the write made during the outage.
      for (;;) {
        if (
          await kv.get("probe").then(
            () => true,
            () => false,
          )
        )
          break;
        await sleep(50);
      }
      const again = await openSse(app, "/api/users/subscribe", { headers: { "last-event-id": lastEventId } });
      expect(again.status).toBe(200);
      readers.push(again.reader);
      const [connected, replayed] = await again.reader.take(2);
      expect(connected!.event).toBe("connected");
      expect([replayed!.event, replayed!.data.row.name]).toEqual(["added", "during"]);
      await relay.stop();
    });
  });
}
