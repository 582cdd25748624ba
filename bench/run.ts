/**
 * `npm run bench`: covara's list endpoint against a hand-written Hono + Drizzle handler and a raw
 * node:http + better-sqlite3 server, in the same run, plus the cost of parsing and compiling a
 * 10-clause filter.
 *
 * Method (see bench/README.md): one SQLite file of 10,000 seeded users; each server in its own
 * process pinned to CPU 0 and in production mode, the load generator (wrk, one thread, in
 * `load.ts`) pinned to CPU 1;
 * variants interleaved over several rounds, and the covara/baseline ratio taken per round so
 * drift (thermal, noisy neighbours) cancels; the median round ratio is reported. The server's CPU
 * time per request (from /proc) is reported beside req/s: it hardly moves when other processes
 * compete for the CPU, so it cross-checks the throughput ratio on a busy machine.
 *
 * `COVARA_BENCH_BUILT=1 npm run bench` serves covara from the built package (`npm run build`
 * first) instead of the TypeScript sources.
 *
 * Options: --rounds N (5), --duration S (8), --warmup S (2), --connections N (32),
 * --skip-filter, --prepared (add a 4th variant: the Hono handler with its Drizzle query prepared
 * once), --profile (instead: profile the covara server under load with --cpu-prof and print its
 * top self-time functions), --json FILE (write the raw numbers).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { FilterResult } from "./filter";
import {
  canonical,
  cpuCount,
  fmt,
  hasTaskset,
  killChildren,
  measureRounds,
  median,
  printMachineHeader,
  profileCovaraServer,
  runScript,
  table,
  parseRunOptions,
  variantRows,
  type RunOptions,
  type RunningServer,
} from "./harness";
import { COVARA_PATH, LIMIT, RAW_SQL, ROW_COUNT, openDatabase, seedDatabase } from "./shared";

type Variant = "covara" | "hono" | "raw" | "hono-prepared";
const LABELS: Record<Variant, string> = {
  covara: "covara resource",
  hono: "(a) Hono + Drizzle handler",
  raw: "(b) node:http + better-sqlite3",
  "hono-prepared": "(a′) Hono + Drizzle, prepared once",
};
const TARGET = 0.85;
/** covara against the raw node:http + better-sqlite3 handler (issue 12). */
const RAW_TARGET = 0.5;

// ---------------------------------------------------------------------------------------------
// Checks

interface ListBody {
  items: Record<string, unknown>[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** Every variant must answer the query with exactly the rows SQLite gives for it. */
async function checkResponses(servers: RunningServer<Variant>[], file: string): Promise<void> {
  const db = openDatabase(file);
  const expected = db.prepare(RAW_SQL).all("admin", LIMIT + 1) as Record<string, unknown>[];
  db.close();
  if (expected.length !== LIMIT + 1)
    throw new Error(`expected more than ${LIMIT} matching rows, got ${expected.length}`);
  const want = canonical(expected.slice(0, LIMIT));
  for (const server of servers) {
    const response = await fetch(server.url + COVARA_PATH);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${server.variant}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as ListBody;
    if (canonical(body.items) !== want) {
      throw new Error(
        `${server.variant}: items differ from the expected rows:\n${canonical(body.items).slice(0, 400)}`,
      );
    }
    if (body.hasMore !== true) throw new Error(`${server.variant}: hasMore should be true`);
    console.log(`  ${server.variant.padEnd(7)} ok: ${body.items.length} items, hasMore, ${text.length} bytes`);
  }
}

// ---------------------------------------------------------------------------------------------
// The runs

async function httpBenchmark(file: string, options: RunOptions): Promise<unknown> {
  const VARIANTS: Variant[] = ["covara", "hono", "raw", ...(options.prepared ? (["hono-prepared"] as const) : [])];
  const rounds = await measureRounds(
    "server.ts",
    COVARA_PATH,
    VARIANTS,
    file,
    options,
    (servers) => checkResponses(servers, file),
    (results) =>
      `covara/(a) ${(results.covara.rps / results.hono.rps).toFixed(3)}, covara/(b) ${(results.covara.rps / results.raw.rps).toFixed(3)}`,
  );

  const ratioA = median(rounds.map((r) => r.covara.rps / r.hono.rps));
  const ratioB = median(rounds.map((r) => r.covara.rps / r.raw.rps));
  // The same comparison in server CPU per request (lower is better, so baseline ÷ covara).
  const cpuRatioA = median(rounds.map((r) => r.hono.cpuPerRequest / r.covara.cpuPerRequest));
  const cpuRatioB = median(rounds.map((r) => r.raw.cpuPerRequest / r.covara.cpuPerRequest));
  const rows = variantRows(rounds, VARIANTS, LABELS);
  console.log(
    `\nGET ${COVARA_PATH}\n${ROW_COUNT.toLocaleString("en-US")} rows, ${options.connections} connections, ` +
      `${options.rounds} rounds × ${options.duration} s (+${options.warmup} s warm-up each), medians over rounds:\n`,
  );
  console.log(
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
      rows,
    ),
  );
  console.log(
    `\ncovara / (a) = ${ratioA.toFixed(3)} req/s (target ≥ ${TARGET}: ${ratioA >= TARGET ? "met" : "NOT met"}); by CPU per request ${cpuRatioA.toFixed(3)}`,
  );
  console.log(
    `covara / (b) = ${ratioB.toFixed(3)} req/s (target ≥ ${RAW_TARGET}: ${ratioB >= RAW_TARGET ? "met" : "NOT met"}); by CPU per request ${cpuRatioB.toFixed(3)}`,
  );
  return { rounds, ratioA, ratioB, cpuRatioA, cpuRatioB, targetMet: ratioA >= TARGET && ratioB >= RAW_TARGET };
}

async function filterBenchmark(): Promise<FilterResult[]> {
  console.log(`\nFilter parse/compile (pinned to CPU 0)…`);
  const out = await runScript(0, "filter.ts", []);
  const results = JSON.parse(out.trim().split("\n").pop()!) as FilterResult[];
  console.log(
    "\n" +
      table(
        ["filter", "stage", "µs/op (median)", "min", "max"],
        results.map((r) => [r.filter, r.stage, r.median.toFixed(2), r.min.toFixed(2), r.max.toFixed(2)]),
        2,
      ),
  );
  return results;
}

async function main(): Promise<void> {
  const options = parseRunOptions(process.argv.slice(2), "--skip-filter");
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-"));
  const file = join(dir, "users.sqlite");
  try {
    const loadBefore = printMachineHeader("covara bench");
    let t = performance.now();
    seedDatabase(file);
    console.log(`Seeded ${ROW_COUNT.toLocaleString("en-US")} rows in ${fmt(performance.now() - t)} ms (${file})`);

    const results: Record<string, unknown> = {
      node: process.version,
      cpus: cpuCount,
      pinned: hasTaskset,
      loadBefore,
      options,
    };
    if (options.profile) {
      await profileCovaraServer("server.ts", COVARA_PATH, file, dir, options);
    } else {
      results.http = await httpBenchmark(file, options);
      if (!options.skip) results.filter = await filterBenchmark();
    }
    if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
    t = (Date.now() - started) / 1000;
    console.log(`\nDone in ${t.toFixed(0)} s (load average (1 min) now ${loadavg()[0]!.toFixed(2)}).`);
  } finally {
    killChildren();
    if (!options.profile) rmSync(dir, { recursive: true, force: true });
    else console.log(`(kept ${dir} for the profile)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
