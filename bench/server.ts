/**
 * One benchmark server: `node --import tsx bench/server.ts <variant> <sqlite file>`.
 *
 *   covara — createCovara().resource("/users", users, ...) on covara's startServer
 *   covara-bare — the same with `observability: false` (no observability middleware), for bench/observability.ts
 *   hono   — a hand-written Hono route building the same Drizzle query per request, on
 *            `@hono/node-server`'s `serve` (startServer uses the same request listener)
 *   raw    — node:http and a better-sqlite3 prepared statement, no framework at all
 *   hono-prepared — (optional, `--prepared`) the Hono handler with the Drizzle query prepared once
 *            with placeholders, i.e. what a hand-tuned handler would do
 *
 * Prints one line `READY <url>` on stdout once listening; exits cleanly on SIGTERM/SIGINT (so
 * `--cpu-prof` gets to write its profile).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Hono } from "hono";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LIMIT, RAW_SQL, openDatabase, users } from "./shared";
import { serveHono, serveUntilSignalled } from "./serve";

const MAX_LIMIT = 100;

type Variant = "covara" | "covara-bare" | "hono" | "raw" | "hono-prepared";

/** The page size asked for, clamped like covara does, so all variants honour `limit`. */
function pageSize(text: string | null | undefined): number {
  const limit = text ? Number.parseInt(text, 10) : LIMIT;
  return Number.isFinite(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : LIMIT;
}

/**
 * covara from the built package (`dist/`, what users run) when `COVARA_BENCH_BUILT=1`, else from
 * the TypeScript sources. Paths are computed so the type checker never needs a build.
 */
async function covaraModules(): Promise<{ covara: typeof import("../src"); node: typeof import("../src/node") }> {
  const built = process.env.COVARA_BENCH_BUILT === "1";
  const base = built ? "../dist/" : "../src/";
  const [root, node] = built ? ["index.mjs", "node/index.mjs"] : ["index.ts", "node/index.ts"];
  const rootUrl = new URL(base + root, import.meta.url);
  if (!existsSync(fileURLToPath(rootUrl)))
    throw new Error(`${fileURLToPath(rootUrl)} is missing: run npm run build first`);
  return {
    covara: (await import(rootUrl.href)) as typeof import("../src"),
    node: (await import(new URL(base + node, import.meta.url).href)) as typeof import("../src/node"),
  };
}

async function startCovara(file: string, observability = true): Promise<{ url: string; close(): Promise<void> }> {
  const { covara, node } = await covaraModules();
  const { createCovara } = covara;
  const { startServer } = node;
  const db = drizzle({ client: openDatabase(file) });
  const app = createCovara(observability ? {} : { observability: false }).resource("/users", users, {
    id: users.id,
    db,
    auth: { public: { read: true } },
    pagination: { maxLimit: MAX_LIMIT },
  });
  return startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
}

async function startHono(file: string): Promise<{ url: string; close(): Promise<void> }> {
  const db = drizzle({ client: openDatabase(file) });
  const app = new Hono();
  app.get("/api/users", async (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = await db
      .select()
      .from(users)
      .where(eq(users.role, "admin"))
      .orderBy(users.id)
      .limit(limit + 1);
    const hasMore = rows.length > limit;
    return c.json({ items: hasMore ? rows.slice(0, limit) : rows, nextCursor: null, hasMore });
  });
  return serveHono(app);
}

async function startHonoPrepared(file: string): Promise<{ url: string; close(): Promise<void> }> {
  const db = drizzle({ client: openDatabase(file) });
  const query = db
    .select()
    .from(users)
    .where(eq(users.role, sql.placeholder("role")))
    .orderBy(users.id)
    .limit(sql.placeholder("limit"))
    .prepare();
  const app = new Hono();
  app.get("/api/users", (c) => {
    const limit = pageSize(c.req.query("limit"));
    const rows = query.all({ role: "admin", limit: limit + 1 });
    const hasMore = rows.length > limit;
    return c.json({ items: hasMore ? rows.slice(0, limit) : rows, nextCursor: null, hasMore });
  });
  return serveHono(app);
}

async function startRaw(file: string): Promise<{ url: string; close(): Promise<void> }> {
  const statement = openDatabase(file).prepare(RAW_SQL);
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method !== "GET" || path !== "/api/users") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    const params = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    const limit = pageSize(params.get("limit"));
    const rows = statement.all("admin", limit + 1);
    const hasMore = rows.length > limit;
    const body = JSON.stringify({ items: hasMore ? rows.slice(0, limit) : rows, nextCursor: null, hasMore });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const [variant, file] = process.argv.slice(2) as [Variant | undefined, string | undefined];
  const starters = {
    covara: startCovara,
    "covara-bare": (file: string) => startCovara(file, false),
    hono: startHono,
    raw: startRaw,
    "hono-prepared": startHonoPrepared,
  };
  if (!file || !variant || !Object.hasOwn(starters, variant)) {
    console.error("usage: server.ts <covara|covara-bare|hono|raw|hono-prepared> <sqlite file>");
    process.exit(2);
  }
  const server = await starters[variant](file);
  serveUntilSignalled(server);
}

void main();
