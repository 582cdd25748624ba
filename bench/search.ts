/**
 * `node --import tsx bench/search.ts`: what full-text search costs, as ratios against baselines
 * measured in the same run, through `app.request` (no network):
 *   - reads: `GET /search?q=word` per adapter vs the scan a client would do without search,
 *     `GET /?filter=body=icontains=word` (better-sqlite3 and PGlite, 5,000 rows);
 *   - writes: `POST /` on a searchable resource vs the same resource without search
 *     (better-sqlite3): FTS5 triggers, the memory index fed by the mutation feed, and the
 *     memory index behind the transactional outbox (one transaction + one outbox row + one drain
 *     round per write).
 *
 * Method: every round runs every variant, order rotating per round; the ratio baseline/variant is
 * taken per round and the median over rounds reported (above 1 = faster than the baseline).
 * Options: --rounds N (7).
 */
import { PGlite } from "@electric-sql/pglite";
import Database from "better-sqlite3";
import type { Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { pgTable, serial, text as pgText } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import {
  createCovara,
  createMemorySearch,
  createPostgresSearch,
  createSqliteFts5Search,
  type SearchConfig,
} from "../src";
import { pushTables, seedTable } from "../src/db";

const ROUNDS = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 7;
const ROWS = 5_000;
const QUERIES = 200;
const WRITES = 300;
const OPEN = { public: { read: true, create: true } } as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(7);
const vocabulary = Array.from(
  { length: 2000 },
  (_, i) => `w${i.toString(36)}x${Math.floor(random() * 1e6).toString(36)}`,
);
// Zipf-like: low indexes are common words, high ones rare.
const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 2)]!;
const sentence = (n: number) => Array.from({ length: n }, word).join(" ");
const rows = Array.from({ length: ROWS }, () => ({ title: sentence(6), body: sentence(40) }));
const queries = Array.from({ length: QUERIES }, () => vocabulary[200 + Math.floor(random() * 1800)]!);

interface Variant {
  name: string;
  run: () => Promise<void>;
}

/** µs per operation of each variant, per round. */
async function measure(variants: Variant[], perRound: number): Promise<Map<string, number[]>> {
  const times = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  for (const variant of variants) await variant.run(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length]!;
      const start = process.hrtime.bigint();
      await variant.run();
      times.get(variant.name)!.push(Number(process.hrtime.bigint() - start) / 1000 / perRound);
    }
  }
  return times;
}

function report(title: string, baseline: string, times: Map<string, number[]>): void {
  console.log(`\n${title}\n| variant | µs/op | ratio vs ${baseline} (median, min–max) |\n|---|---:|---:|`);
  const base = times.get(baseline)!;
  for (const [name, values] of times) {
    const ratios = values.map((value, i) => base[i]! / value);
    console.log(
      `| ${name} | ${median(values).toFixed(0)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
    );
  }
}

function searchVariants(
  app: { request(path: string): Response | Promise<Response> },
  names: Record<string, string>,
): Variant[] {
  const get = (path: (q: string) => string) => async () => {
    for (const q of queries) {
      const res = await app.request(path(q));
      if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  return Object.entries(names).map(([name, resource]) => ({
    name,
    run:
      resource === "scan"
        ? get((q) => `/api/scan?filter=body=icontains=${q}&limit=20`)
        : get((q) => `/api/${resource}/search?q=${q}&limit=20`),
  }));
}

async function sqliteReads(): Promise<void> {
  const db = drizzle(new Database(":memory:"));
  const articles = sqliteTable("articles", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    body: text("body"),
  });
  await pushTables(db, [articles]);
  await seedTable(db, articles, rows);
  const mount = (search?: SearchConfig<typeof articles>) => ({ id: articles.id, db, auth: OPEN, search });
  const app = createCovara({ health: false })
    .resource("/scan", articles, mount())
    .resource("/fts5", articles, {
      ...mount({ index: createSqliteFts5Search(), fields: ["title", "body"] }),
      name: "fts5",
    })
    .resource("/memory", articles, {
      ...mount({ index: createMemorySearch(), fields: ["title", "body"] }),
      name: "memory",
    });
  report(
    "better-sqlite3, 5,000 rows: one search, first page of 20",
    "icontains scan",
    await measure(searchVariants(app, { "icontains scan": "scan", "sqlite-fts5": "fts5", memory: "memory" }), QUERIES),
  );
}

async function pgliteReads(): Promise<void> {
  const client = new PGlite();
  const db = drizzlePglite(client);
  const articles = pgTable("articles", {
    id: serial("id").primaryKey(),
    title: pgText("title").notNull(),
    body: pgText("body"),
  });
  await pushTables(db, [articles as Table]);
  await seedTable(db, articles, rows);
  const mount = (search?: SearchConfig<typeof articles>) => ({ id: articles.id, db, auth: OPEN, search });
  const app = createCovara({ health: false })
    .resource("/scan", articles, mount())
    .resource("/pg", articles, { ...mount({ index: createPostgresSearch(), fields: ["title", "body"] }), name: "pg" })
    .resource("/memory", articles, {
      ...mount({ index: createMemorySearch(), fields: ["title", "body"] }),
      name: "memory",
    });
  report(
    "PGlite, 5,000 rows: one search, first page of 20",
    "icontains scan",
    await measure(
      searchVariants(app, { "icontains scan": "scan", "postgres tsvector": "pg", memory: "memory" }),
      QUERIES,
    ),
  );
  await client.close();
}

async function sqliteWrites(): Promise<void> {
  const db = drizzle(new Database(":memory:"));
  const table = (name: string) =>
    sqliteTable(name, {
      id: integer("id").primaryKey({ autoIncrement: true }),
      title: text("title").notNull(),
      body: text("body"),
    });
  const plain = table("plain");
  const fts = table("fts");
  const memory = table("memory");
  const outboxed = table("outboxed");
  await pushTables(db, [plain, fts, memory, outboxed]);
  const app = createCovara({ health: false })
    .resource("/plain", plain, { id: plain.id, db, auth: OPEN })
    .resource("/fts", fts, {
      id: fts.id,
      db,
      auth: OPEN,
      search: { index: createSqliteFts5Search(), fields: ["title", "body"] },
    })
    .resource("/memory", memory, {
      id: memory.id,
      db,
      auth: OPEN,
      search: { index: createMemorySearch(), fields: ["title", "body"] },
    })
    .resource("/outboxed", outboxed, {
      id: outboxed.id,
      db,
      auth: OPEN,
      search: { index: createMemorySearch(), fields: ["title", "body"], outbox: { intervalMs: 0 } },
    });
  const post = (path: string) => async () => {
    for (let i = 0; i < WRITES; i++) {
      const res = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rows[i]),
      });
      if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  // Each index is set up before timing starts.
  for (const path of ["/api/fts/search?q=x", "/api/memory/search?q=x", "/api/outboxed/search?q=x"])
    await app.request(path);
  const variants = [
    { name: "no search", run: post("/api/plain") },
    { name: "sqlite-fts5 (triggers)", run: post("/api/fts") },
    { name: "memory (mutation feed)", run: post("/api/memory") },
    { name: "memory + outbox", run: post("/api/outboxed") },
  ];
  report("better-sqlite3: POST / of one row", "no search", await measure(variants, WRITES));
}

await sqliteReads();
await pgliteReads();
await sqliteWrites();
process.exit(0);
