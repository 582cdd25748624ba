/**
 * The covara side of the fan-out bench, run in its own process: an `items` resource on in-memory
 * SQLite with the default (memory) realtime hub, served by covara's startServer. GET
 * /__bench/memory answers the process memory after a GC (run with --expose-gc). Prints
 * "LISTENING <url>".
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { createCovara } from "../src";
import { startServer } from "../src/node";
import { ITEMS_DDL, items } from "./fanout-shared";

const client = new Database(":memory:");
client.exec(ITEMS_DDL);
const db = drizzle(client);

const app = createCovara({
  // Heartbeats would arrive between the bench's rounds and be taken for events.
  realtime: { heartbeatMs: 3_600_000, maxBufferedBytes: 1024 * 1024 },
  health: false,
  openapi: false,
  securityHeaders: false,
}).resource("/items", items, { id: items.id, db, auth: { public: { read: true, create: true } } });

// The floor of any stream served through covara's app and Node adapter: one event, no subscription.
const encoder = new TextEncoder();
app.get("/__bench/sse", () => {
  const stream = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(encoder.encode("event: connected\ndata: {}\n\n")) });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
});

app.get("/__bench/memory", (c) => {
  (globalThis as { gc?: () => void }).gc?.();
  return c.json({ ...process.memoryUsage(), streams: app.realtime.streamCount });
});

await startServer(app, {
  port: 0,
  hostname: "127.0.0.1",
  shutdown: { timeoutMs: 1000 },
  onListen: ({ url }) => process.stdout.write(`LISTENING ${url}\n`),
});
