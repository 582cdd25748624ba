/**
 * `npm run bench:observability`: the cost of the observability middleware (trace, request entry in
 * the in-memory log, route histogram and status count) on the list benchmark of bench/run.ts:
 * `covara` (createCovara's default, middleware on) against `covara-bare` (`observability: false`),
 * the same app otherwise, interleaved in the same run. Target: the middleware costs at most 10 %
 * of throughput, i.e. covara ÷ covara-bare ≥ 0.90 (median of the per-round ratios).
 *
 * Options as bench/run.ts: --rounds N (5), --duration S (8), --warmup S (2), --connections N (32), --json FILE.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  fmt,
  killChildren,
  measureRounds,
  median,
  parseRunOptions,
  printMachineHeader,
  table,
  variantRows,
  type RunningServer,
} from "./harness";
import { COVARA_PATH, ROW_COUNT, seedDatabase } from "./shared";

type Variant = "covara" | "covara-bare";
const LABELS: Record<Variant, string> = {
  covara: "covara (observability on)",
  "covara-bare": "covara, observability: false",
};
const TARGET = 0.9;

async function checkResponses(servers: RunningServer<Variant>[]): Promise<void> {
  const bodies = await Promise.all(servers.map(async (server) => (await fetch(server.url + COVARA_PATH)).text()));
  if (new Set(bodies).size !== 1) throw new Error("the two variants answer differently");
  console.log(`  both answer the same ${bodies[0]?.length ?? 0} bytes`);
}

async function main(): Promise<void> {
  const options = parseRunOptions(process.argv.slice(2), "--skip-none");
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-obs-"));
  const file = join(dir, "users.sqlite");
  try {
    const loadBefore = printMachineHeader("covara observability bench");
    seedDatabase(file);
    const variants: Variant[] = ["covara", "covara-bare"];
    const rounds = await measureRounds(
      "server.ts",
      COVARA_PATH,
      variants,
      file,
      options,
      checkResponses,
      (r) => `on/off ${(r.covara.rps / r["covara-bare"].rps).toFixed(3)}`,
    );
    const ratio = median(rounds.map((r) => r.covara.rps / r["covara-bare"].rps));
    const cpuRatio = median(rounds.map((r) => r["covara-bare"].cpuPerRequest / r.covara.cpuPerRequest));
    console.log(
      `\nGET ${COVARA_PATH}, ${ROW_COUNT.toLocaleString("en-US")} rows, ${options.connections} connections, ${options.rounds} rounds × ${options.duration} s:\n`,
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
        variantRows(rounds, variants, LABELS),
      ),
    );
    console.log(
      `\nwith ÷ without = ${ratio.toFixed(3)} req/s (target ≥ ${TARGET}: ${ratio >= TARGET ? "met" : "NOT met"}); by CPU per request ${cpuRatio.toFixed(3)}`,
    );
    console.log(`load average (1 min) before ${loadBefore.toFixed(2)}, after ${loadavg()[0]?.toFixed(2)}`);
    if (options.json)
      writeFileSync(
        options.json,
        JSON.stringify({ rounds, ratio, cpuRatio, loadBefore, loadAfter: loadavg()[0] }, null, 2),
      );
    console.log(`(${fmt(rounds.length)} rounds)`);
  } finally {
    killChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
