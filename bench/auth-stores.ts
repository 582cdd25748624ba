/**
 * `node --import tsx bench/auth-stores.ts`: the cost of the per-request session lookup
 * (`SessionStore.get`) in each store, as a ratio against a hand-written baseline on the same
 * backend measured in the same run:
 *   - Drizzle store on better-sqlite3  vs one better-sqlite3 prepared statement
 *   - KV store on the memory KV        vs JSON.parse of a Map value
 *   - memory store                     vs Map.get
 *   - KV store on Redis                vs one ioredis GET + JSON.parse (skipped without Redis)
 * plus absolute figures for scrypt at the default parameters and a password-policy check.
 *
 * Method: 10,000 sessions seeded per store; each round runs every variant over the same 20,000
 * random ids (Redis: 2,000), order rotating per round; the ratio store/baseline is taken per round
 * and the median over rounds reported. Options: --rounds N (7).
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Redis } from "ioredis";
import { passwordPolicy } from "../src/auth/password-policy";
import { hashPassword, verifyPassword } from "../src/auth/passwords";
import { createDrizzleSessionStore } from "../src/auth/stores/drizzle-session-store";
import { createKVSessionStore } from "../src/auth/stores/kv-session-store";
import { createMemorySessionStore } from "../src/auth/stores/memory-session-store";
import type { SessionData, SessionStore } from "../src/auth/types";
import { migrateInternal } from "../src/db";
import { createMemoryKV, createRedisKV } from "../src/kv";

const ROUNDS = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 7;
const SESSIONS = 10_000;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

interface Pair {
  name: string;
  /** Ids of the sessions seeded into this pair's store and baseline. */
  ids: string[];
  lookups: number;
  store: (id: string) => Promise<unknown>;
  baseline: (id: string) => Promise<unknown> | unknown;
  close?: () => Promise<void>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function sessions(): SessionData[] {
  const now = Date.now();
  return Array.from({ length: SESSIONS }, (_, i) => ({
    id: `s${i}-${Math.random().toString(36).slice(2)}`,
    userId: `u${i % 1000}`,
    createdAt: new Date(now),
    expiresAt: new Date(now + 3_600_000),
    data: { ipAddress: "203.0.113.7", userAgent: "Mozilla/5.0", lastActiveAt: new Date(now).toISOString() },
  }));
}

async function seed(store: SessionStore, rows: SessionData[]): Promise<void> {
  for (const row of rows) await store.create(row);
}

/** µs per lookup for `fn` over `ids`. */
async function time(fn: (id: string) => unknown, ids: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  for (const id of ids) await fn(id);
  return Number(process.hrtime.bigint() - start) / 1000 / ids.length;
}

async function pairs(): Promise<Pair[]> {
  const rows = sessions();
  const ids = rows.map((row) => row.id);
  const list: Pair[] = [];

  const client = new Database(":memory:");
  const db = drizzle(client);
  await migrateInternal(db);
  const drizzleStore = createDrizzleSessionStore({ db });
  await seed(drizzleStore, rows);
  const statement = client.prepare(
    "select id, user_id, created_at, expires_at, data from auth_sessions where id = ? and expires_at > ?",
  );
  list.push({
    name: "Drizzle store, better-sqlite3",
    ids,
    lookups: 20_000,
    store: (id) => drizzleStore.get(id),
    baseline: (id) => {
      const row = statement.get(id, Date.now()) as { data: string } | undefined;
      return row && { ...row, data: JSON.parse(row.data) as unknown };
    },
  });

  const kv = createMemoryKV({ sweepIntervalMs: 0 });
  const kvStore = createKVSessionStore({ kv });
  await seed(kvStore, rows);
  const map = new Map(rows.map((row) => [row.id, JSON.stringify(row)]));
  list.push({
    name: "KV store, memory KV",
    ids,
    lookups: 20_000,
    store: (id) => kvStore.get(id),
    baseline: (id) => JSON.parse(map.get(id)!) as unknown,
  });

  const memoryStore = createMemorySessionStore();
  await seed(memoryStore, rows);
  const plain = new Map(rows.map((row) => [row.id, row]));
  list.push({
    name: "memory store",
    ids,
    lookups: 20_000,
    store: (id) => memoryStore.get(id),
    baseline: (id) => plain.get(id),
  });

  try {
    const prefix = `covara-bench:${process.pid}:`;
    const redisKV = await createRedisKV({ url: REDIS_URL, keyPrefix: prefix, connectTimeoutMs: 1000 });
    const redisStore = createKVSessionStore({ kv: redisKV });
    const some = rows.slice(0, 2000);
    await seed(redisStore, some);
    const raw = new Redis(REDIS_URL);
    list.push({
      name: "KV store, Redis",
      ids: some.map((row) => row.id),
      lookups: 2000,
      store: (id) => redisStore.get(id),
      baseline: async (id) => JSON.parse((await raw.get(`${prefix}covara:sessions:s:${id}`))!) as unknown,
      async close() {
        for (const key of await redisKV.keys("")) await redisKV.delete(key);
        await redisKV.close();
        raw.disconnect();
      },
    });
  } catch (error) {
    console.warn(`skipping Redis: ${(error as Error).message}`);
  }
  return list;
}

async function main(): Promise<void> {
  const all = await pairs();
  const results = new Map<string, { store: number[]; baseline: number[]; ratio: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = all.map((_, i) => all[(i + round) % all.length]!);
    for (const pair of order) {
      const pick = Array.from({ length: pair.lookups }, () => pair.ids[Math.floor(Math.random() * pair.ids.length)]!);
      const first = round % 2 === 0;
      const a = first ? await time(pair.store, pick) : 0;
      const b = await time(pair.baseline, pick);
      const s = first ? a : await time(pair.store, pick);
      const entry = results.get(pair.name) ?? { store: [], baseline: [], ratio: [] };
      entry.store.push(s);
      entry.baseline.push(b);
      entry.ratio.push(b / s);
      results.set(pair.name, entry);
    }
  }
  console.log(
    `\nSessionStore.get, ${ROUNDS} rounds (median µs per lookup; ratio = baseline time / store time, 1.0 = as fast as the baseline)\n`,
  );
  console.log("| store | store µs | baseline µs | ratio (median, min–max) |");
  console.log("|---|---:|---:|---:|");
  for (const [name, entry] of results) {
    const ratios = [...entry.ratio].sort((a, b) => a - b);
    console.log(
      `| ${name} | ${median(entry.store).toFixed(2)} | ${median(entry.baseline).toFixed(2)} | ${median(entry.ratio).toFixed(2)} (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}) |`,
    );
  }
  for (const pair of all) await pair.close?.();

  const hashes: number[] = [];
  const verifies: number[] = [];
  let stored = "";
  for (let i = 0; i < 5; i++) {
    let start = performance.now();
    stored = await hashPassword("correct horse battery staple");
    hashes.push(performance.now() - start);
    start = performance.now();
    await verifyPassword("correct horse battery staple", stored);
    verifies.push(performance.now() - start);
  }
  const policy = passwordPolicy();
  const candidates = ["Password123!", "velvet-otter-mural-92", "correct horse battery staple", "qwerty2024"];
  policy.validate("warm-up");
  const start = performance.now();
  for (let i = 0; i < 20_000; i++) policy.validate(candidates[i % candidates.length]);
  const policyMicros = ((performance.now() - start) * 1000) / 20_000;
  console.log(
    `\nscrypt N=2^17, r=8, p=1: hash ${median(hashes).toFixed(0)} ms, verify ${median(verifies).toFixed(0)} ms (median of 5)`,
  );
  console.log(`passwordPolicy().validate: ${policyMicros.toFixed(1)} µs per password\n`);
}

await main();
