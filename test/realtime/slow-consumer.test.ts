/**
 * A subscriber that stops reading costs a bounded buffer, then its stream is closed with an
 * `error` event (SLOW_CONSUMER); the other subscribers get every event meanwhile, and the slow one
 * can resume from its Last-Event-ID without loss. In process and on a real socket.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { publishMutations } from "../../src/kernel/mutations";
import { startServer, type CovaraServer } from "../../src/node";
import { send } from "../helpers/app";
import { openSse, openSseUrl, SseReader, type SseEvent } from "../helpers/sse";
import { dialectTargets } from "../helpers/dialects";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

const servers: CovaraServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await closeLiveApps();
});

const LIMIT = 8 * 1024;
const padding = "x".repeat(400);

async function writeRows(app: { request: any }, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i += 50) {
    const body = Array.from({ length: Math.min(50, from + count - i) }, (_, j) => ({
      name: `${padding}${i + j}`,
      email: `u${i + j}@x.io`,
    }));
    const res = await send(app, "POST", "/api/users/batch", { body });
    if (res.status !== 201) throw new Error(`batch failed: ${res.status} ${res.text}`);
  }
}

eachDialect("slow consumers", (use) => {
  it("closes a stream that stops reading once its buffer passes the limit; others get everything", async () => {
    const app = liveUsersApp(use(), { hub: { maxBufferedBytes: LIMIT } });
    const slow = await openSse(app, "/api/users/subscribe");
    const fast = await openSse(app, "/api/users/subscribe");
    await slow.reader.take(2);
    await fast.reader.take(2);
    const fastEvents: SseEvent[] = [];
    const reading = (async () => {
      while (fastEvents.length < 100) fastEvents.push(await fast.reader.next());
    })();
    await writeRows(app, 100);
    await reading;
    expect(fastEvents.map((event) => event.data.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // The slow stream was cut: only the fast one is still open.
    expect(app.realtime.streamCount).toBe(1);

    const rest = await slow.reader.toEnd();
    const error = rest[rest.length - 1]!;
    expect(error.event).toBe("error");
    expect(error.data).toMatchObject({ code: "SLOW_CONSUMER", status: 503, limit: LIMIT });
    expect(error.id).toBeUndefined();
    // What it was handed before the cut is under the limit, and in order.
    const delivered = rest.slice(0, -1);
    expect(delivered.length).toBeLessThan(100);
    expect(delivered.map((event) => event.data.seq)).toEqual(delivered.map((_, i) => i + 1));

    // Resuming from its Last-Event-ID brings exactly the events it did not get.
    const resumed = await openSse(app, "/api/users/subscribe", {
      headers: { "last-event-id": slow.reader.lastEventId! },
    });
    const [, ...missed] = await resumed.reader.take(1 + 100 - delivered.length);
    expect(missed.map((event) => event.data.seq)).toEqual(
      Array.from({ length: 100 - delivered.length }, (_, i) => delivered.length + i + 1),
    );
    await resumed.reader.cancel();
    await fast.reader.cancel();
  });
});

describe("slow consumers on a real socket", () => {
  it("a client that stops reading is cut off while a reading client keeps up", async () => {
    const database = await dialectTargets[0]!.open();
    const limit = 1024 * 1024;
    try {
      const app = liveUsersApp(database, { hub: { maxBufferedBytes: limit } });
      const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
      servers.push(server);
      // A raw client that sends the request, then never reads a byte.
      const stalled = connect(server.port, "127.0.0.1");
      sockets.push(stalled);
      await new Promise<void>((resolve) => stalled.once("connect", () => resolve()));
      stalled.write(
        "GET /api/users/subscribe?snapshot=false HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\n\r\n",
      );
      stalled.pause();
      const fast = await openSseUrl(`${server.url}/api/users/subscribe?snapshot=false`);
      await fast.reader.take(1);
      while (app.realtime.streamCount < 2) await new Promise((resolve) => setTimeout(resolve, 5));

      // Committed writes as the feed announces them: 16 KB rows, enough to fill the stalled
      // client's socket buffers (several MB on loopback) and then its stream's own buffer.
      const big = "y".repeat(16 * 1024);
      const fastEvents: SseEvent[] = [];
      let published = 0;
      for (let round = 0; round < 200 && app.realtime.streamCount > 1; round++) {
        const batch = Array.from({ length: 25 }, (_, i) => ({
          resource: "users",
          op: "create" as const,
          id: published + i + 1,
          row: { id: published + i + 1, name: big, email: `r${published + i}@x.io` },
          db: database.db,
        }));
        await publishMutations(batch);
        published += batch.length;
        while (fastEvents.length < published && app.realtime.streamCount > 1)
          fastEvents.push(await fast.reader.next(30_000));
      }
      expect(app.realtime.streamCount).toBe(1);
      while (fastEvents.length < published) fastEvents.push(await fast.reader.next(30_000));
      expect(fastEvents.map((event) => event.data.seq)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
      fast.abort();

      // Reading at last, the stalled client finds the events sent before the cut, then the error event.
      stalled.resume();
      const raw = await new Promise<string>((resolve) => {
        let received = "";
        stalled.setEncoding("latin1");
        stalled.on("data", (chunk: string) => {
          received += chunk;
          if (received.endsWith("\r\n0\r\n\r\n")) resolve(received);
        });
      });
      const reader = new SseReader(
        new Response(Buffer.from(dechunk(raw.slice(raw.indexOf("\r\n\r\n") + 4)), "latin1")).body!,
      );
      const events = await reader.toEnd();
      const last = events[events.length - 1]!;
      expect(last.event).toBe("error");
      expect(last.data).toMatchObject({ code: "SLOW_CONSUMER", limit });
      const delivered = events.filter((event) => event.event === "added");
      expect(delivered.map((event) => event.data.seq)).toEqual(delivered.map((_, i) => i + 1));
      expect(delivered.length).toBeLessThan(published);
    } finally {
      await database.close();
    }
  });
});

/** Undoes HTTP/1.1 chunked transfer encoding. */
function dechunk(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!size) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
