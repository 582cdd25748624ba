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
import { createDataService, type DataService, type DataTables } from "../src/data-service";
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

async function compare<T extends DataTables & { notes: DataTables[string] }>(cached: DataService<T>, uncached: DataService<T>, count: number) {
  const result: Record<string, { cachedUs: number; uncachedUs: number; ratio: number }> = {};
  const reads = {
    get: (service: DataService<T>) => (i: number) => service.get("notes", (i % 10) + 1),
    list: (service: DataService<T>) => (i: number) => service.list("notes", { page: (i % 3) + 1 }),
  };
  for (const [name, read] of Object.entries(reads)) {
    await time(count, read(cached)); // warm: fills the cache and JIT
    await time(count, read(uncached));
    const c: number[] = [];
    const u: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cachedUs = await time(count, read(cached));
      const uncachedUs = await time(count, read(uncached));
      c.push(cachedUs);
      u.push(uncachedUs);
      ratios.push(uncachedUs / cachedUs);
    }
    result[name] = { cachedUs: +median(c).toFixed(3), uncachedUs: +median(u).toFixed(3), ratio: +median(ratios).toFixed(1) };
  }
  return result;
}

/** Hit rate of `service` under 90 % reads (hot keys read most) and 10 % updates. */
async function mixedLoad<T extends DataTables & { notes: DataTables[string] }>(service: DataService<T>, operations: number) {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const before = service.stats();
  for (let i = 0; i < operations; i++) {
    const id = Math.floor(random() ** 3 * ROWS) + 1; // skewed: low ids are hot
    const roll = random();
    if (roll < 0.1) await service.update("notes", id, { rank: i });
    else if (roll < 0.2) await service.list("notes", { page: 1 + Math.floor(random() * 2) });
    else await service.get("notes", id);
  }
  const after = service.stats();
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return { operations, hitRate: +(hits / (hits + misses)).toFixed(3) };
}

async function run(name: string, open: () => Promise<{ db: Parameters<typeof createDataService>[0]; tables: DataTables & { notes: DataTables[string] } }>, count: number) {
  const { db, tables } = await open();
  const cached = await createDataService(db, tables, { cache: {} });
  const uncached = await createDataService(db, tables, { cache: false });
  const seed = cached.batch();
  for (let i = 0; i < ROWS; i++) seed.create("notes", { title: `note ${i}`, rank: i });
  await seed.saveChanges();
  const ratios = await compare(cached, uncached, count);
  const mixed = await mixedLoad(cached, count * 2);
  await cached.close();
  await uncached.close();
  return { driver: name, ...ratios, mixed };
}

const results = [await run("better-sqlite3", async () => openSqlite(), 5_000), await run("pglite", openPglite, 1_000)];
console.log(JSON.stringify({ uptime: execSync("uptime").toString().trim(), results }));
process.exit(0);
