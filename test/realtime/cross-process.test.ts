/**
 * Two server processes sharing one Redis (and one SQLite file): a write through either reaches the
 * subscribers of both, in the same seq order, and a client can resume on the other process.
 * Skipped with the reason when REDIS_URL cannot be reached.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushTables } from "../../src/db";
import { sqliteSchema } from "../helpers/schema";
import { openSseUrl, type SseEvent } from "../helpers/sse";
import { startChildServer, type ChildServer } from "./child-server";
import { REDIS_URL, RUN_PREFIX, cleanRedis, redisUnavailable } from "./redis-kv";

const reason = await redisUnavailable();

async function post(url: string, body: unknown, method = "POST"): Promise<number> {
  const res = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

const rowEvents = (events: SseEvent[]) => events.map((event) => [event.event, event.data.id, event.data.seq]);

if (reason !== null) {
  console.warn(`Skipping the cross-process realtime tests: ${reason} (set REDIS_URL to a reachable Redis 6.2+)`);
  describe.skip("realtime across processes (no Redis at REDIS_URL)", () => {
    it("needs a Redis server", () => {});
  });
} else {
  describe("realtime across processes sharing Redis", () => {
    const dir = mkdtempSync(join(tmpdir(), "covara-rt-cross-"));
    let a: ChildServer;
    let b: ChildServer;

    beforeAll(async () => {
      const file = join(dir, "shared.sqlite");
      const client = new Database(file);
      client.pragma("journal_mode = WAL");
      await pushTables(drizzle(client), [sqliteSchema().users]);
      client.close();
      const env = { DB_FILE: file, KV: "redis", REDIS_URL, KEY_PREFIX: RUN_PREFIX, NAMESPACE: "cross" };
      [a, b] = await Promise.all([
        startChildServer({ ...env, CONNECTION_NAME: "rt-cross-a" }),
        startChildServer({ ...env, CONNECTION_NAME: "rt-cross-b" }),
      ]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      rmSync(dir, { recursive: true, force: true });
      await cleanRedis();
    });

    it("a write through one process reaches a subscriber of the other, in order", async () => {
      const onB = await openSseUrl(`${b.url}/api/users/subscribe`);
      const [connected] = await onB.reader.take(2);
      const start = connected!.data.seq as number;
      for (let i = 0; i < 20; i++)
        expect(await post(`${a.url}/api/users`, { name: `u${i}`, email: `u${i}-1@x.io` })).toBe(201);
      expect(await post(`${a.url}/api/users/1`, { age: 3 }, "PATCH")).toBe(200);
      const events = await onB.reader.take(21);
      expect(events.map((event) => event.data.seq)).toEqual(Array.from({ length: 21 }, (_, i) => start + i + 1));
      expect(rowEvents(events).slice(0, 3)).toEqual([
        ["added", 1, start + 1],
        ["added", 2, start + 2],
        ["added", 3, start + 3],
      ]);
      expect(events[20]!.event).toBe("changed");
      onB.abort();
    });

    it("concurrent writes through both processes reach both subscribers in one and the same seq order", async () => {
      const onA = await openSseUrl(`${a.url}/api/users/subscribe`);
      const onB = await openSseUrl(`${b.url}/api/users/subscribe`);
      await Promise.all([onA.reader.take(2), onB.reader.take(2)]);
      const writes = Array.from({ length: 30 }, (_, i) =>
        post(`${(i % 2 ? a : b).url}/api/users`, { name: `c${i}`, email: `c${i}-2@x.io` }),
      );
      expect(new Set(await Promise.all(writes))).toEqual(new Set([201]));
      const [fromA, fromB] = await Promise.all([onA.reader.take(30), onB.reader.take(30)]);
      expect(rowEvents(fromA)).toEqual(rowEvents(fromB));
      const seqs = fromA.map((event) => event.data.seq as number);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(seqs[29]! - seqs[0]!).toBe(29);
      onA.abort();
      onB.abort();
    });

    it("a client that drops on one process resumes on the other without loss or duplicates", async () => {
      const first = await openSseUrl(`${b.url}/api/users/subscribe?filter=age==7`);
      await first.reader.take(2);
      expect(await post(`${a.url}/api/users`, { name: "seven", email: "seven@x.io", age: 7 })).toBe(201);
      const [seen] = await first.reader.take(1);
      first.abort();
      const missed = [];
      for (let i = 0; i < 5; i++) {
        expect(await post(`${b.url}/api/users`, { name: `m${i}`, email: `m${i}@x.io`, age: 7 })).toBe(201);
      }
      const resumed = await openSseUrl(`${a.url}/api/users/subscribe?filter=age==7`, {
        "last-event-id": first.reader.lastEventId!,
      });
      const [connected, ...replayed] = await resumed.reader.take(6);
      expect(connected!.event).toBe("connected");
      missed.push(...replayed);
      expect(missed.map((event) => event.event)).toEqual(["added", "added", "added", "added", "added"]);
      expect(missed.map((event) => event.data.seq)).toEqual(
        Array.from({ length: 5 }, (_, i) => seen!.data.seq + i + 1),
      );
      expect(await post(`${b.url}/api/users/${seen!.data.id}`, { name: "seven!" }, "PATCH")).toBe(200);
      const [live] = await resumed.reader.take(1);
      expect([live!.event, live!.data.id]).toEqual(["changed", seen!.data.id]);
      resumed.abort();
    });
  });
}
