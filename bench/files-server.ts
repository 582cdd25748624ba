/**
 * A server of the files benchmark (bench/files.ts): `covara` — a file resource on local disk over
 * SQLite — or `raw` — a hand-written node:http handler that streams the request to disk and a
 * file back. Both sample their own RSS every 20 ms and answer `GET /__rss` with the current RSS,
 * the peak since the last `POST /__rss`, and the process's CPU time so far. Prints `READY <url>`.
 */
import { createReadStream, createWriteStream, mkdirSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createCovara } from "../src";
import { pushTables } from "../src/db";
import { createLocalStorage } from "../src/files";
import { startServer } from "../src/node";

const [variant, dir] = process.argv.slice(2) as ["covara" | "raw", string];
mkdirSync(dir, { recursive: true });

let peak = process.memoryUsage().rss;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20).unref();

/** RSS now, its peak since the last reset, and the CPU time used so far (ms). */
function snapshot() {
  const cpu = process.cpuUsage();
  return { rss: process.memoryUsage().rss, peak, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function rssAnswer(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== "/__rss") return false;
  if (req.method === "POST") {
    global.gc?.();
    peak = process.memoryUsage().rss;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(snapshot()));
  return true;
}

if (variant === "raw") {
  let next = 0;
  const server = createServer(async (req, res) => {
    if (rssAnswer(req, res)) return;
    try {
      if (req.method === "POST" && req.url?.startsWith("/upload")) {
        const id = ++next;
        await pipeline(req, createWriteStream(join(dir, `raw-${id}`)));
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ id }));
        return;
      }
      const download = /^\/download\/(\d+)$/.exec(req.url ?? "");
      if (req.method === "GET" && download) {
        const file = join(dir, `raw-${download[1]}`);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(file).size });
        await pipeline(createReadStream(file), res);
        return;
      }
      res.writeHead(404).end();
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`READY http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
  });
} else {
  const files = sqliteTable("files", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    name: text("name").notNull(),
    size: integer("size").notNull(),
    mimeType: text("mime_type").notNull(),
    hash: text("hash").notNull(),
    userId: text("user_id"),
  });
  const sqlite = new Database(join(dir, "files.db"));
  sqlite.pragma("journal_mode = WAL");
  const db = drizzle(sqlite);
  await pushTables(db, [files]);
  const app = createCovara({ authenticate: () => ({ id: "bench" }), health: false, openapi: false });
  app.all("/__rss", (c) => {
    if (c.req.method === "POST") {
      global.gc?.();
      peak = process.memoryUsage().rss;
    }
    return c.json(snapshot());
  });
  app.fileResource("/files", files, {
    db,
    id: files.id,
    storage: createLocalStorage({ basePath: join(dir, "uploads") }),
    maxFileSize: 512 * 1024 * 1024,
    auth: { read: () => true, create: () => true, delete: () => true },
    subscriptions: false,
  });
  const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
  console.log(`READY http://127.0.0.1:${server.port}`);
}
