/**
 * Where a gap in `npm run bench:drivers` comes from: any of bench/drivers-server.ts's variants
 * (covara and the handler, each on the other's server, covara without its default middleware)
 * against each other on one driver, interleaved over rounds like the main bench, reporting req/s
 * and the server's CPU µs per request.
 *
 *   node --import tsx bench/drivers-ab.ts <libsql|postgres-js> <variant,variant,...> [run.ts options]
 *
 * The first variant is the reference for the ratio columns.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { DriverServerVariant } from "./drivers-server";
import { seedPostgres } from "./drivers-shared";
import { fmt, killChildren, measureRounds, median, parseRunOptions, printMachineHeader, table } from "./harness";
import { COVARA_PATH, seedDatabase } from "./shared";

async function main(): Promise<void> {
  const [driver, list, ...rest] = process.argv.slice(2);
  if ((driver !== "libsql" && driver !== "postgres-js") || !list)
    throw new Error("usage: drivers-ab.ts <libsql|postgres-js> <variant,variant,...> [options]");
  const variants = list.split(",") as DriverServerVariant[];
  const options = parseRunOptions(rest, "--no-skip");
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-drivers-ab-"));
  const file = join(dir, "users.sqlite");
  let drop: (() => Promise<void>) | undefined;
  try {
    printMachineHeader(`covara driver A/B (${driver})`);
    seedDatabase(file);
    let target = `libsql:${file}`;
    if (driver === "postgres-js") {
      const schema = `covara_bench_ab_${process.pid}`;
      drop = await seedPostgres(file, schema);
      target = `postgres-js:${schema}`;
    }
    const reference = variants[0]!;
    const rounds = await measureRounds(
      "drivers-server.ts",
      COVARA_PATH,
      variants,
      target,
      options,
      async () => {},
      (r) => variants.map((v) => `${v} ${(r[v].rps / r[reference].rps).toFixed(3)}`).join(", "),
    );
    const rows = variants.map((v) => [
      v,
      fmt(median(rounds.map((r) => r[v].rps))),
      fmt(median(rounds.map((r) => r[v].cpuPerRequest)), 1),
      median(rounds.map((r) => r[v].rps / r[reference].rps)).toFixed(3),
      median(rounds.map((r) => r[v].cpuPerRequest / r[reference].cpuPerRequest)).toFixed(3),
    ]);
    console.log(
      "\n" + table(["variant", "req/s", "server CPU µs/req", `req/s ÷ ${reference}`, `CPU/req ÷ ${reference}`], rows),
    );
    console.log(`\nload average (1 min) now ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    killChildren();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
