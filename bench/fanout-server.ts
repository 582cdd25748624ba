/**
 * The covara side of the fan-out bench, run in its own process: an `items` resource on in-memory
 * SQLite with the default (memory) realtime hub, served by covara's startServer. GET
 * /__bench/memory answers the process memory after a GC (run with --expose-gc). Prints
 * "LISTENING <url>".
 *
 * For the re-check measurement, `/private` serves the same table to signed-in users only (cookie
 * sessions), `/unchecked` to anyone with an hour-long re-check interval (the control), and POST
 * /__bench/sessions?count=N mints N sessions, answering their Cookie headers.
 *
 * covara comes from the built package (`dist/`, what users run) when `COVARA_BENCH_BUILT=1`, else
 * from the TypeScript sources.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomToken, sha256Url } from "../src/kernel/web-crypto";
import { ITEMS_DDL, items } from "./fanout-shared";

/** One covara entry point, from `dist/` or `src/`; the paths are computed so type checking never needs a build. */
async function covaraModule<T>(name: string): Promise<T> {
  const built = process.env.COVARA_BENCH_BUILT === "1";
  const url = new URL(built ? `../dist/${name}.mjs` : `../src/${name}.ts`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run npm run build first`);
  return (await import(url.href)) as T;
}

const { createCovara } = await covaraModule<typeof import("../src")>("index");
const { cookieSession, useAuth } = await covaraModule<typeof import("../src/auth")>("auth/index");
const { createMemoryKV } = await covaraModule<typeof import("../src/kv")>("kv/index");
const { startServer } = await covaraModule<typeof import("../src/node")>("node/index");

const client = new Database(":memory:");
client.exec(ITEMS_DDL);
const db = drizzle(client);

const strategy = cookieSession();
const auth = useAuth({
  strategy,
  kv: createMemoryKV(),
  users: { getById: async (id) => ({ id, role: "member" }) },
  security: { throttle: false },
});

const app = createCovara({
  // Heartbeats would arrive between the bench's rounds and be taken for events.
  realtime: { heartbeatMs: 3_600_000, maxBufferedBytes: 1024 * 1024 },
  auth,
  health: false,
  openapi: false,
  securityHeaders: false,
})
  .resource("/items", items, { id: items.id, db, auth: { public: { read: true, create: true } } })
  // The re-check bench's control: streams that are not re-checked within its window.
  .resource("/unchecked", items, {
    id: items.id,
    db,
    name: "unchecked_items",
    auth: { public: { read: true } },
    subscriptions: { reauthorizeMs: 3_600_000 },
  })
  .resource("/private", items, {
    id: items.id,
    db,
    name: "private_items",
    auth: { read: (user) => (user.role === "member" ? "done==false" : false) },
  });

// The floor of any stream served through covara's app and Node adapter: one event, no subscription.
const encoder = new TextEncoder();
app.get("/__bench/sse", () => {
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(encoder.encode("event: connected\ndata: {}\n\n")),
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
});

app.post("/__bench/sessions", async (c) => {
  const count = Number(c.req.query("count") ?? 1);
  const headers: string[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const token = randomToken(32);
    await strategy.store.create({
      id: await sha256Url(token),
      userId: `bench-${i}`,
      createdAt: new Date(now),
      expiresAt: new Date(now + 3_600_000),
    });
    headers.push(`cookie: ${strategy.cookieName}=${token}`);
  }
  return c.json({ headers });
});

app.get("/__bench/memory", (c) => {
  (globalThis as { gc?: () => void }).gc?.();
  const { reauthorizer } = app.realtime;
  return c.json({
    ...process.memoryUsage(),
    streams: app.realtime.streamCount,
    authentications: reauthorizer.authentications,
    groups: reauthorizer.groupCount,
  });
});

await startServer(app, {
  port: 0,
  hostname: "127.0.0.1",
  shutdown: { timeoutMs: 1000 },
  onListen: ({ url }) => process.stdout.write(`LISTENING ${url}\n`),
});
