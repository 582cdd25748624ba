/**
 * The Redis KV against a real Redis at REDIS_URL: the shared behaviour suite, then what only a
 * server shows — several instances sharing state and pub/sub, atomicity across connections, and
 * recovery from a killed connection. Every key and channel lives under a per-run prefix.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { KV } from "../../src/kernel/kv";
import { createKV, createRedisKV } from "../../src/kv";
import { runKVSuite } from "../helpers/kv-suite";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const PREFIX = `covara-test:${RUN}:`;
const NAME = `covara-test-${RUN}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await sleep(10);
  }
}

/** Why Redis cannot be used here, or null when it answers. */
async function unavailableReason(): Promise<string | null> {
  try {
    const kv = await createRedisKV({ url: REDIS_URL, connectTimeoutMs: 1000, keyPrefix: PREFIX });
    await kv.close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const reason = await unavailableReason();

if (reason !== null) {
  console.warn(`Skipping the Redis KV tests: ${reason} (set REDIS_URL to a reachable Redis 6.2+)`);
  describe.skip("Redis KV (no Redis at REDIS_URL)", () => {
    it("needs a Redis server", () => {});
  });
} else {
  runKVSuite("redis", () => createRedisKV({ url: REDIS_URL, keyPrefix: PREFIX, connectionName: NAME }));
  describeRedisSpecifics();
}

function describeRedisSpecifics(): void {
  describe("Redis KV specifics", () => {
    const opened: KV[] = [];
    /** A raw client playing a third party: an admin killing connections, or a peer app. */
    let admin: Redis | undefined;
    let n = 0;

    /** A KV under this run's prefix with its own connection name, closed after the test. */
    async function open(options: { keyPrefix?: string; onError?: (error: Error) => void } = {}) {
      const name = `${NAME}-${++n}`;
      const kv = await createRedisKV({ url: REDIS_URL, keyPrefix: PREFIX, connectionName: name, ...options });
      opened.push(kv);
      return { kv, name };
    }

    async function adminClient(): Promise<Redis> {
      admin ??= new Redis(REDIS_URL, { connectionName: `${NAME}-admin` });
      return admin;
    }

    /** CLIENT LIST ids of the connections with exactly this name. */
    async function connectionIds(name: string): Promise<string[]> {
      const list = String(await (await adminClient()).call("CLIENT", "LIST"));
      return list
        .split("\n")
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] ?? "")
        .filter(Boolean);
    }

    async function kill(name: string): Promise<void> {
      const ids = await connectionIds(name);
      expect(ids).toHaveLength(1);
      await (await adminClient()).call("CLIENT", "KILL", "ID", ids[0]!);
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((kv) => kv.close()));
    });

    afterAll(async () => {
      // Everything this run wrote, whichever test wrote it.
      const cleaner = await createRedisKV({ url: REDIS_URL, keyPrefix: PREFIX });
      for (const key of await cleaner.keys("")) await cleaner.delete(key);
      await cleaner.close();
      await admin?.quit();
    });

    it("two instances see each other's writes and pub/sub messages, in publish order", async () => {
      const { kv: a } = await open();
      const { kv: b } = await open();
      await a.set("shared:k", "from a", { ttlMs: 10_000 });
      expect(await b.get("shared:k")).toBe("from a");
      expect(await b.ttl("shared:k")).toBeGreaterThan(9000);
      await b.zadd("shared:z", "m", 2);
      expect(await a.zrange("shared:z")).toEqual([{ member: "m", score: 2 }]);

      const atB: string[] = [];
      const atA: string[] = [];
      await b.subscribe("shared:ch", (message, channel) => atB.push(`${channel}|${message}`));
      await a.subscribe("shared:ch", (message) => atA.push(message));
      await Promise.all(Array.from({ length: 200 }, (_, i) => a.publish("shared:ch", `m${i}`)));
      await waitFor(() => atB.length === 200 && atA.length === 200);
      expect(atB).toEqual(Array.from({ length: 200 }, (_, i) => `shared:ch|m${i}`));
      expect(atA).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
      await a.delete("shared:k");
      await a.delete("shared:z");
    });

    it("incr is atomic across instances, and the first increment alone starts the TTL window", async () => {
      const { kv: a } = await open();
      const { kv: b } = await open();
      const results = await Promise.all(Array.from({ length: 500 }, () => [a.incr("count"), b.incr("count")]).flat());
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(await a.get("count")).toBe("1000");

      expect(await a.incr("window", 1, { ttlMs: 1000 })).toBe(1);
      expect(await b.incr("window", 1, { ttlMs: 60_000 })).toBe(2);
      expect(await b.ttl("window")).toBeLessThanOrEqual(1000);
      await a.delete("count");
      await a.delete("window");
    });

    it("rejects an increment beyond the safe integer range and leaves the value alone", async () => {
      const { kv } = await open();
      await kv.set("big", String(Number.MAX_SAFE_INTEGER - 1));
      expect(await kv.incr("big")).toBe(Number.MAX_SAFE_INTEGER);
      await expect(kv.incr("big")).rejects.toThrow(/overflow/);
      expect(await kv.get("big")).toBe(String(Number.MAX_SAFE_INTEGER));
      await expect(kv.incr("big", 0.5)).rejects.toThrow(/integer/);
      await kv.delete("big");
    });

    it("keeps key prefixes apart, for keys, keys() and channels, glob characters included", async () => {
      const { kv: one } = await open({ keyPrefix: `${PREFIX}one[*]:` });
      const { kv: two } = await open({ keyPrefix: `${PREFIX}two:` });
      await one.set("k", "1");
      await two.set("k", "2");
      await one.set("a*b", "literal");
      await one.set("aXb", "other");
      expect(await one.get("k")).toBe("1");
      expect(await two.get("k")).toBe("2");
      expect((await one.keys("")).sort()).toEqual(["a*b", "aXb", "k"]);
      expect(await one.keys("a*")).toEqual(["a*b"]);
      expect(await two.keys("")).toEqual(["k"]);

      const got: string[] = [];
      await two.subscribe("ch", (message) => got.push(message));
      await one.publish("ch", "not for two");
      await two.publish("ch", "for two");
      await waitFor(() => got.length >= 1);
      await sleep(30);
      expect(got).toEqual(["for two"]);
      for (const key of await one.keys("")) await one.delete(key);
      await two.delete("k");
    });

    it("turns Redis errors into plain Errors that name the operation and the key", async () => {
      const { kv } = await open();
      await kv.zadd("typed", "m", 1);
      const error = await kv.get("typed").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
      expect((error as Error).message).toMatch(/get "typed" failed: WRONGTYPE/);
      await expect(kv.incr("typed")).rejects.toThrow(/incr "typed" failed: WRONGTYPE/);
      await expect(kv.zadd("typed", "n", Number.NaN)).rejects.toThrow(/NaN/);
      await kv.delete("typed");
    });

    it("reports a rejecting async handler and keeps delivering to the others", async () => {
      const errors = vi.spyOn(console, "error").mockImplementation(() => {});
      try {
        const { kv } = await open();
        const got: string[] = [];
        await kv.subscribe("async", async () => {
          throw new Error("async boom");
        });
        await kv.subscribe("async", (message) => got.push(message));
        await kv.publish("async", "1");
        await kv.publish("async", "2");
        await waitFor(() => got.length === 2 && errors.mock.calls.length === 2);
        expect(got).toEqual(["1", "2"]);
        expect(String(errors.mock.calls[0]?.[0])).toContain('"async"');
      } finally {
        errors.mockRestore();
      }
    });

    it("opens the pub/sub connection only on the first subscribe, and unsubscribes from Redis when the last handler goes", async () => {
      const { kv, name } = await open();
      await kv.set("x", "1");
      expect(await connectionIds(name)).toHaveLength(1);
      expect(await connectionIds(`${name}:sub`)).toHaveLength(0);
      const first = await kv.subscribe("lazy", () => {});
      const second = await kv.subscribe("lazy", () => {});
      expect(await connectionIds(`${name}:sub`)).toHaveLength(1);
      const subscribers = async () =>
        ((await (await adminClient()).call("PUBSUB", "NUMSUB", `${PREFIX}lazy`)) as [string, number])[1];
      expect(await subscribers()).toBe(1);
      await first();
      expect(await subscribers()).toBe(1);
      await second();
      expect(await subscribers()).toBe(0);
      await kv.delete("x");
    });

    it("re-subscribes after its pub/sub connection is killed, reports the drop, and keeps order", async () => {
      const errors: Error[] = [];
      const { kv, name } = await open({ onError: (error) => errors.push(error) });
      const got: string[] = [];
      await kv.subscribe("resume", (message) => got.push(message));
      await kv.publish("resume", "before");
      await waitFor(() => got.length === 1);

      await kill(`${name}:sub`);
      // Messages published while the connection is down are lost (pub/sub is at-most-once), so
      // probe until one arrives: that proves the subscription came back.
      await waitFor(async () => {
        await kv.publish("resume", "probe");
        return got.includes("probe");
      });
      await Promise.all(Array.from({ length: 50 }, (_, i) => kv.publish("resume", `after${i}`)));
      // A late probe may still be in flight, so look at the messages published after recovery.
      const after = () => got.filter((message) => message.startsWith("after"));
      await waitFor(() => after().length === 50);
      expect(after()).toEqual(Array.from({ length: 50 }, (_, i) => `after${i}`));
      expect(errors.map((error) => error.message)).toEqual([
        expect.stringMatching(/the pub\/sub connection to redis:\/\/.* dropped; reconnecting/),
      ]);
    });

    it("recovers when its command connection is killed and reports the drop once", async () => {
      const errors: Error[] = [];
      const { kv, name } = await open({ onError: (error) => errors.push(error) });
      await kv.set("survive", "yes");
      await kill(name);
      expect(await kv.get("survive")).toBe("yes");
      expect(await kv.incr("survive:n")).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/the command connection to .* dropped; reconnecting/);
      await kv.delete("survive");
      await kv.delete("survive:n");
    });

    it("rejects commands clearly while Redis is unreachable, and works again once it is back", async () => {
      const target = new URL(REDIS_URL);
      const sockets = new Set<Socket>();
      // A TCP relay to the real Redis that the test can switch off: an outage without stopping Redis.
      const relay = (port = 0) =>
        new Promise<Server>((resolve) => {
          const server = createServer((inbound) => {
            const outbound = createConnection(Number(target.port || 6379), target.hostname);
            for (const socket of [inbound, outbound]) {
              sockets.add(socket);
              socket.on("error", () => {});
              socket.on("close", () => sockets.delete(socket));
            }
            inbound.pipe(outbound).pipe(inbound);
          });
          server.listen(port, "127.0.0.1", () => resolve(server));
        });
      let server = await relay();
      const port = (server.address() as { port: number }).port;
      const errors: Error[] = [];
      const kv = await createRedisKV({
        url: `redis://127.0.0.1:${port}`,
        keyPrefix: PREFIX,
        onError: (e) => errors.push(e),
      });
      opened.push(kv);
      await kv.set("outage", "before");

      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      const started = Date.now();
      await expect(kv.get("outage")).rejects.toThrow(/covara kv \(redis\): get "outage" failed: Redis unreachable/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/the command connection to redis:\/\/127\.0\.0\.1:\d+\/? (dropped|failed)/);

      server = await relay(port);
      try {
        await waitFor(async () => (await kv.get("outage").catch(() => null)) === "before", 8000);
      } finally {
        await kv.delete("outage").catch(() => {});
        await kv.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
      }
    });

    it("close quits both connections", async () => {
      const { kv, name } = await open();
      await kv.subscribe("bye", () => {});
      expect(await connectionIds(name)).toHaveLength(1);
      expect(await connectionIds(`${name}:sub`)).toHaveLength(1);
      await kv.close();
      await waitFor(
        async () => (await connectionIds(name)).length === 0 && (await connectionIds(`${name}:sub`)).length === 0,
      );
      await expect(kv.subscribe("bye", () => {})).rejects.toThrow(/closed/);
    });

    it("rejects with a clear message, password hidden, when Redis cannot be reached", async () => {
      const started = Date.now();
      const error = await createRedisKV({ url: "redis://:secret@127.0.0.1:1", connectTimeoutMs: 500 }).catch(
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      expect((error as Error).message).not.toContain("secret");
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it("is built by createKV({ type: 'redis' })", async () => {
      const kv = await createKV({ type: "redis", redis: { url: REDIS_URL, keyPrefix: PREFIX } });
      opened.push(kv);
      await kv.set("via-config", "ok");
      expect(await kv.get("via-config")).toBe("ok");
      await kv.delete("via-config");
    });
  });
}
