/**
 * `npm run bench:workers`: list endpoint throughput on D1 under workerd (miniflare), covara's
 * resource against a hand-written Hono + Drizzle D1 handler, both in one Worker on one database
 * (bench/workers-d1-entry.ts), measured in the same run. Target: covara ≥ 1.0× the handler.
 *
 * The users table (bench/shared.ts, 10,000 rows) is seeded into D1 over its binding. wrk runs on
 * CPU 1 against workerd's port; workerd is miniflare's child process and is not pinned. Rounds
 * alternate the order of the variants; the ratio quoted is the median of per-round ratios.
 *
 * Options: --rounds N (5), --duration S (8), --warmup S (2), --connections N (32).
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { drizzle } from "drizzle-orm/d1";
import { pushTables } from "../src/db";
import { startWorker } from "../test/helpers/workerd";
import { canonical, cpuCount, cpuTimeMs, median, table } from "./harness";
import { runWrk, type LoadResult } from "./load";
import { COVARA_PATH, prng, ROW_COUNT, users } from "./shared";

type Variant = "covara" | "hono";
const PATHS: Record<Variant, string> = { covara: COVARA_PATH, hono: COVARA_PATH.replace("/api/", "/hono/") };
const TARGET = 1.0;

/** The workerd process miniflare started (a child of this process), for its CPU time. */
function workerdPid(): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && stat.includes("(workerd)")) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

interface Measured extends LoadResult {
  /** workerd CPU time per completed request, in µs (the Worker and the D1 simulation together). */
  cpuPerRequest: number;
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** The same deterministic rows as bench/shared.ts's seedDatabase, inserted in D1 batches. */
async function seed(db: ReturnType<typeof drizzle>): Promise<void> {
  const random = prng(42);
  const roles = (r: number) => (r < 0.1 ? "admin" : r < 0.25 ? "editor" : r < 0.4 ? "viewer" : "user");
  const rows = Array.from({ length: ROW_COUNT }, (_, i) => ({
    name: `user ${i + 1}`,
    email: `user.${i + 1}@example.com`,
    age: 18 + Math.floor(random() * 62),
    role: roles(random()),
    createdAt: 1_577_836_800_000 + i,
  }));
  // 6 columns × 15 rows stays under D1's 100 bound parameters per statement.
  for (let i = 0; i < rows.length; i += 1500) {
    const chunk = rows.slice(i, i + 1500);
    const statements = [];
    for (let j = 0; j < chunk.length; j += 15) statements.push(db.insert(users).values(chunk.slice(j, j + 15)));
    await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = option(argv, "--rounds", 5);
  const duration = option(argv, "--duration", 8);
  const warmup = option(argv, "--warmup", 2);
  const connections = option(argv, "--connections", 32);
  console.log(
    `covara Workers D1 bench: ${cpuCount} CPUs, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}, ${rounds} rounds × ${duration}s, ${connections} connections`,
  );
  const worker = await startWorker({ entry: new URL("./workers-d1-entry.ts", import.meta.url).pathname, port: 0 });
  try {
    const db = drizzle((await worker.mf.getD1Database("DB")) as never);
    await pushTables(db, [users]);
    await seed(db);
    const base = worker.url.toString().replace(/\/$/, "");
    const bodies = await Promise.all(
      (["covara", "hono"] as Variant[]).map(async (variant) => {
        const res = await fetch(base + PATHS[variant]);
        const body = (await res.json()) as { items: unknown[] };
        if (res.status !== 200 || body.items.length === 0) throw new Error(`${variant}: HTTP ${res.status}`);
        return canonical(body.items);
      }),
    );
    if (bodies[0] !== bodies[1]) throw new Error("covara and the handler answer with different rows");
    console.log(`workerd at ${base}; both variants answer the same page`);
    const pid = workerdPid();
    const results: Record<Variant, Measured>[] = [];
    for (let round = 0; round < rounds; round++) {
      const order: Variant[] = round % 2 === 0 ? ["covara", "hono"] : ["hono", "covara"];
      const result = {} as Record<Variant, Measured>;
      for (const variant of order) {
        await runWrk(base + PATHS[variant], connections, warmup, 1);
        const cpuBefore = cpuTimeMs(pid);
        const load = await runWrk(base + PATHS[variant], connections, duration, 1);
        result[variant] = { ...load, cpuPerRequest: ((cpuTimeMs(pid) - cpuBefore) * 1000) / load.requests };
        if (result[variant].non2xx > 0 || result[variant].errors > 0)
          throw new Error(`${variant}: ${result[variant].non2xx} non-2xx, ${result[variant].errors} socket errors`);
      }
      results.push(result);
      console.log(
        `round ${round + 1}: covara ${result.covara.rps.toFixed(0)} req/s (${result.covara.cpuPerRequest.toFixed(0)} µs CPU/req), handler ${result.hono.rps.toFixed(0)} req/s (${result.hono.cpuPerRequest.toFixed(0)} µs CPU/req), ratio ${(result.covara.rps / result.hono.rps).toFixed(3)}; load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
    const ratio = median(results.map((r) => r.covara.rps / r.hono.rps));
    const cpuRatio = median(results.map((r) => r.hono.cpuPerRequest / r.covara.cpuPerRequest));
    const rows = (["covara", "hono"] as Variant[]).map((variant) => [
      variant === "covara" ? "covara resource" : "Hono + Drizzle D1 handler",
      median(results.map((r) => r[variant].rps)).toFixed(0),
      median(results.map((r) => r[variant].p50)).toFixed(2),
      median(results.map((r) => r[variant].p99)).toFixed(2),
      median(results.map((r) => r[variant].cpuPerRequest)).toFixed(0),
    ]);
    console.log("\n" + table(["variant", "req/s (median)", "p50 ms", "p99 ms", "workerd CPU µs/req"], rows));
    console.log(
      `\nD1 under workerd: covara / handler = ${ratio.toFixed(3)} (median of ${rounds} rounds; target ≥ ${TARGET}: ${ratio >= TARGET ? "met" : "NOT met"}); by workerd CPU per request ${cpuRatio.toFixed(3)}; load after ${loadavg()
        .map((n) => n.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await worker.dispose();
  }
}

await main();
