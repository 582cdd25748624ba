/**
 * `npm run bench:drivers`: the list benchmark (bench/run.ts's request, data and method) on libsql
 * and on postgres-js, covara against a hand-written Hono + Drizzle handler on the same driver in
 * the same run. Target: covara ≥ 1.0× the handler on each driver.
 *
 * The SQLite file is seeded once and served by libsql (`file:`); the same rows are copied into a
 * schema of their own on the PostgreSQL at DATABASE_URL (dropped afterwards). Servers are pinned
 * to CPU 0 and wrk to CPU 1; PostgreSQL itself is not pinned (it is a shared server).
 *
 * Options: as run.ts (--rounds, --duration, --warmup, --connections, --json FILE), plus
 * --skip-postgres.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  canonical,
  killChildren,
  measureRounds,
  median,
  parseRunOptions,
  printMachineHeader,
  table,
  variantRows,
  type RunOptions,
  type RunningServer,
} from "./harness";
import { seedPostgres } from "./drivers-shared";
import { COVARA_PATH, seedDatabase } from "./shared";

type Variant = "covara" | "hono";
const LABELS: Record<Variant, string> = { covara: "covara resource", hono: "Hono + Drizzle handler" };
const TARGET = 1.0;

/** Both variants must answer with the same rows. */
async function checkSame(servers: RunningServer<Variant>[]): Promise<void> {
  const bodies = await Promise.all(
    servers.map(async (server) => {
      const response = await fetch(server.url + COVARA_PATH);
      const body = (await response.json()) as { items: unknown[]; hasMore: boolean };
      if (response.status !== 200 || body.items.length === 0 || !body.hasMore)
        throw new Error(`${server.variant}: HTTP ${response.status}, ${body.items?.length} items`);
      return canonical(body.items);
    }),
  );
  if (new Set(bodies).size !== 1) throw new Error("covara and the handler answer with different rows");
  console.log(`  both answer the same ${servers.length > 0 ? "page" : ""}`);
}

async function benchDriver(label: string, target: string, options: RunOptions) {
  console.log(`\n== ${label} ==`);
  const rounds = await measureRounds(
    "drivers-server.ts",
    COVARA_PATH,
    ["covara", "hono"] as Variant[],
    target,
    options,
    checkSame,
    (r) => `covara/handler ${(r.covara.rps / r.hono.rps).toFixed(3)}`,
  );
  const ratio = median(rounds.map((r) => r.covara.rps / r.hono.rps));
  const cpuRatio = median(rounds.map((r) => r.hono.cpuPerRequest / r.covara.cpuPerRequest));
  console.log(
    "\n" +
      table(
        [
          "variant",
          "req/s",
          "req/s range",
          "p50 ms",
          "p99 ms",
          "covara ÷ variant (req/s)",
          "server CPU µs/req",
          "variant ÷ covara (CPU/req)",
        ],
        variantRows(rounds, ["covara", "hono"], LABELS),
      ),
  );
  console.log(
    `\n${label}: covara / handler = ${ratio.toFixed(3)} req/s (target ≥ ${TARGET}: ${ratio >= TARGET ? "met" : "NOT met"}); by CPU per request ${cpuRatio.toFixed(3)}`,
  );
  return { rounds, ratio, cpuRatio };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const skipPostgres = argv.includes("--skip-postgres");
  const options = parseRunOptions(
    argv.filter((arg) => arg !== "--skip-postgres"),
    "--skip-libsql",
  );
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-drivers-"));
  const file = join(dir, "users.sqlite");
  const schema = `covara_bench_${process.pid}_${Date.now().toString(36)}`;
  let dropSchema: (() => Promise<void>) | undefined;
  try {
    printMachineHeader("covara driver bench");
    seedDatabase(file);
    const results: Record<string, unknown> = { node: process.version, options };
    if (!options.skip) results.libsql = await benchDriver("libsql (file)", `libsql:${file}`, options);
    if (!skipPostgres) {
      dropSchema = await seedPostgres(file, schema);
      results.postgres = await benchDriver("postgres-js", `postgres-js:${schema}`, options);
    }
    if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
    console.log(`\nload average (1 min) now ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    killChildren();
    await dropSchema?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
