/**
 * `npm run bench:include`: covara's list endpoint with `include=author,comments(limit:5)` against
 * a hand-written Hono + Drizzle handler doing the same work with its own three queries, in the
 * same run.
 *
 * Method (as bench/run.ts, see bench/README.md): one SQLite file of 1,000 authors, 10,000 posts
 * and 100,000 comments; each server in its own process pinned to CPU 0, the load generator (wrk,
 * one thread) pinned to CPU 1; variants interleaved over rounds with the order
 * rotating; the covara/baseline ratio taken per round and the median reported, beside the
 * server's CPU time per request (from /proc), which other load on the machine hardly moves.
 *
 * Then the same variants without HTTP (`include-inprocess.ts`): all apps in one process pinned to
 * CPU 0, each request through `app.fetch`, timed by the process's own CPU time.
 *
 * Options: --rounds N (5), --duration S (8), --warmup S (2), --connections N (32),
 * --prepared (add the handler with its three statements prepared once), --skip-in-process,
 * --profile (instead: profile the covara server under load and print its top self-time
 * functions), --json FILE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { InProcessResult } from "./include-inprocess";
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
import {
  AUTHOR_COUNT,
  COMMENTS_PER_POST,
  INCLUDE_PATH,
  PAGE_SIZE,
  POST_COUNT,
  expectedItems,
  seedIncludeDatabase,
} from "./include-shared";

type Variant = "covara" | "hono" | "hono-prepared";
const LABELS: Record<Variant, string> = {
  covara: "covara resource + include",
  hono: "(a) Hono + Drizzle handler",
  "hono-prepared": "(a′) Hono + Drizzle, prepared once",
};
const TARGET = 0.8;

// ---------------------------------------------------------------------------------------------
// Checks

interface ListBody {
  items: Record<string, unknown>[];
  nextCursor: string | null;
  hasMore: boolean;
}

/**
 * Every variant must answer with exactly the page SQLite gives (20 posts, each with its author and
 * first 5 comments by id). Cursors are each server's own opaque format, so only their presence is
 * compared.
 */
async function checkResponses(servers: RunningServer<Variant>[], file: string): Promise<void> {
  const want = canonical(expectedItems(file));
  for (const server of servers) {
    const response = await fetch(server.url + INCLUDE_PATH);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${server.variant}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as ListBody;
    if (canonical(body.items) !== want) {
      throw new Error(
        `${server.variant}: items differ from the expected rows:\n${canonical(body.items).slice(0, 600)}`,
      );
    }
    if (body.hasMore !== true || typeof body.nextCursor !== "string")
      throw new Error(`${server.variant}: expected hasMore and a cursor`);
    const commentCount = body.items.reduce((sum, item) => sum + (item.comments as unknown[]).length, 0);
    console.log(
      `  ${server.variant.padEnd(13)} ok: ${body.items.length} posts, ${commentCount} comments, ${text.length} bytes`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The runs

async function httpBenchmark(file: string, options: RunOptions): Promise<unknown> {
  const VARIANTS: Variant[] = ["covara", "hono", ...(options.prepared ? (["hono-prepared"] as const) : [])];
  const rounds = await measureRounds(
    "include-server.ts",
    INCLUDE_PATH,
    VARIANTS,
    file,
    options,
    (servers) => checkResponses(servers, file),
    (results) => `covara/(a) ${(results.covara.rps / results.hono.rps).toFixed(3)}`,
  );

  const ratio = median(rounds.map((r) => r.covara.rps / r.hono.rps));
  // The same comparison in server CPU per request (lower is better, so baseline ÷ covara).
  const cpuRatio = median(rounds.map((r) => r.hono.cpuPerRequest / r.covara.cpuPerRequest));
  const rows = variantRows(rounds, VARIANTS, LABELS);
  console.log(
    `\nGET ${decodeURIComponent(INCLUDE_PATH)}\n${fmt(POST_COUNT)} posts, ${fmt(POST_COUNT * COMMENTS_PER_POST)} comments, ` +
      `${fmt(AUTHOR_COUNT)} authors; ${options.connections} connections, ` +
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
        "covara ÷ variant (by CPU/req)",
      ],
      rows,
    ),
  );
  console.log(
    `\ncovara / (a) = ${ratio.toFixed(3)} req/s (target ≥ ${TARGET}: ${ratio >= TARGET ? "met" : "NOT met"}); by CPU per request ${cpuRatio.toFixed(3)}`,
  );
  console.log(`per-round covara/(a): ${rounds.map((r) => (r.covara.rps / r.hono.rps).toFixed(3)).join(", ")}`);
  return { rounds, ratio, cpuRatio, targetMet: ratio >= TARGET };
}

async function inProcessBenchmark(file: string): Promise<InProcessResult> {
  console.log(
    `\nWithout HTTP: every app in one process pinned to CPU 0, CPU time per app.fetch (11 rounds × 300 requests)…`,
  );
  const out = await runScript(0, "include-inprocess.ts", [file, "11", "300"]);
  const result = JSON.parse(out.trim().split("\n").pop()!) as InProcessResult;
  const variants = (Object.keys(LABELS) as Variant[]).filter((variant) => result[variant]);
  const rows = variants.map((variant) => [
    LABELS[variant],
    fmt(median(result[variant])),
    `${fmt(Math.min(...result[variant]))}–${fmt(Math.max(...result[variant]))}`,
    variant === "covara" ? "—" : median(result[variant].map((cpu, i) => cpu / result.covara[i]!)).toFixed(3),
  ]);
  console.log("\n" + table(["variant", "CPU µs/request", "range", "covara ÷ variant (by CPU/req)"], rows));
  return result;
}

async function main(): Promise<void> {
  const options = parseRunOptions(process.argv.slice(2), "--skip-in-process");
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-include-"));
  const file = join(dir, "blog.sqlite");
  try {
    const loadBefore = printMachineHeader("covara include bench");
    const t = performance.now();
    seedIncludeDatabase(file);
    console.log(
      `Seeded ${fmt(POST_COUNT)} posts, ${fmt(POST_COUNT * COMMENTS_PER_POST)} comments in ${fmt(performance.now() - t)} ms (${file})`,
    );
    console.log(`Request: ${PAGE_SIZE} posts with include=author,comments(limit:5)`);

    const results: Record<string, unknown> = {
      node: process.version,
      cpus: cpuCount,
      pinned: hasTaskset,
      loadBefore,
      options,
    };
    if (options.profile) await profileCovaraServer("include-server.ts", INCLUDE_PATH, file, dir, options);
    else {
      results.http = await httpBenchmark(file, options);
      if (!options.skip) results.inProcess = await inProcessBenchmark(file);
    }
    if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
    console.log(
      `\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s (load average (1 min) now ${loadavg()[0]!.toFixed(2)}).`,
    );
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
