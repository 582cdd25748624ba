/**
 * The data service's read cache against its uncached path, in the same run, on better-sqlite3
 * in memory (the fastest uncached path covara has, so the least flattering ratio) and on PGlite:
 *   get   one row by id: a cache hit against the same service with `cache: false`
 *   list  a 20-row page: the same
 * Variants are interleaved for several rounds; the median per-round ratio is printed, with
 * microseconds per read. Then the hit rate under a mixed load: 90 % gets and lists over 200 rows
 * (a few hot ones read most), 10 % updates, with the cache's dynamic TTLs. One JSON line.
 */
import { execSync } from "node:child_process";
import { type CacheStats, createDataService, type DataCacheOptions } from "../src/data-service";
import { createRedisKV } from "../src/kv";
import { openPglite, openSqlite } from "../test/data-service/fixtures";

const ROWS = 200;
const ROUNDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Microseconds per call of `read`, over `count` calls. */
async function time(count: number, read: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await read(i);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

/** One driver's cached and uncached services, as the bench drives them. */
interface Subject {
  get(service: "cached" | "uncached", id: number): Promise<unknown>;
  list(service: "cached" | "uncached", page: number): Promise<unknown>;
  update(id: number, rank: number): Promise<unknown>;
  stats(): CacheStats;
}

async function compare(subject: Subject, count: number) {
  const result: Record<string, { cachedUs: number; uncachedUs: number; ratio: number }> = {};
  const reads = {
    get: (service: "cached" | "uncached") => (i: number) => subject.get(service, (i % 10) + 1),
    list: (service: "cached" | "uncached") => (i: number) => subject.list(service, (i % 3) + 1),
  };
  for (const [name, read] of Object.entries(reads)) {
    await time(count, read("cached")); // warm: fills the cache and JIT
    await time(count, read("uncached"));
    const c: number[] = [];
    const u: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cachedUs = await time(count, read("cached"));
      const uncachedUs = await time(count, read("uncached"));
      c.push(cachedUs);
      u.push(uncachedUs);
      ratios.push(uncachedUs / cachedUs);
    }
    result[name] = {
      cachedUs: +median(c).toFixed(3),
      uncachedUs: +median(u).toFixed(3),
      ratio: +median(ratios).toFixed(1),
    };
  }
  return result;
}

/** Hit rate of the cached service under 90 % reads (hot keys read most) and 10 % updates. */
async function mixedLoad(subject: Subject, operations: number) {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const before = subject.stats();
  for (let i = 0; i < operations; i++) {
    const id = Math.floor(random() ** 3 * ROWS) + 1; // skewed: low ids are hot
    const roll = random();
    if (roll < 0.1) await subject.update(id, i);
    else if (roll < 0.2) await subject.list("cached", 1 + Math.floor(random() * 2));
    else await subject.get("cached", id);
  }
  const after = subject.stats();
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return { operations, hitRate: +(hits / (hits + misses)).toFixed(3) };
}

async function measure(driver: string, subject: Subject, count: number) {
  return { driver, ...(await compare(subject, count)), mixed: await mixedLoad(subject, count * 2) };
}

async function sqlite(driver: string, cache: DataCacheOptions, count: number) {
  const { db, tables } = openSqlite();
  const services = {
    cached: await createDataService(db, tables, { cache }),
    uncached: await createDataService(db, tables, { cache: false }),
  };
  const seed = services.cached.batch();
  for (let i = 0; i < ROWS; i++) seed.create("notes", { title: `note ${i}`, rank: i });
  await seed.saveChanges();
  return measure(
    driver,
    {
      get: (service, id) => services[service].get("notes", id),
      list: (service, page) => services[service].list("notes", { page }),
      update: (id, rank) => services.cached.update("notes", id, { rank }),
      stats: () => services.cached.stats(),
    },
    count,
  );
}

async function pglite() {
  const { db, tables } = await openPglite();
  const services = {
    cached: await createDataService(db, tables, { cache: {} }),
    uncached: await createDataService(db, tables, { cache: false }),
  };
  const seed = services.cached.batch();
  for (let i = 0; i < ROWS; i++) seed.create("notes", { title: `note ${i}`, rank: i });
  await seed.saveChanges();
  return measure(
    "pglite",
    {
      get: (service, id) => services[service].get("notes", id),
      list: (service, page) => services[service].list("notes", { page }),
      update: (id, rank) => services.cached.update("notes", id, { rank }),
      stats: () => services.cached.stats(),
    },
    1_000,
  );
}

/** With a shared Redis KV a strict hit first reads the key's shared version: one Redis round trip. */
async function sqliteOverRedis() {
  const kv = await createRedisKV({ keyPrefix: `covara-bench-data-service:${Date.now().toString(36)}:` });
  try {
    return await sqlite("better-sqlite3, cache shared over Redis", { kv }, 2_000);
  } finally {
    for (const key of await kv.keys("")) await kv.delete(key);
    await kv.close();
  }
}

const results = [
  await sqlite("better-sqlite3", {}, 5_000),
  await pglite(),
  await sqliteOverRedis().catch((error: unknown) => ({ skipped: String(error) })),
];
console.log(JSON.stringify({ uptime: execSync("uptime").toString().trim(), results }));
process.exit(0);
