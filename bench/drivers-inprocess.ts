/**
 * The driver bench without HTTP: covara's resource and the hand-written Hono + Drizzle handler
 * (bench/drivers-server.ts) in one process on the same driver, each answering the list request
 * through `app.fetch`, timed by the process's CPU time and interleaved over rounds. A steadier
 * cross-check of `npm run bench:drivers` on a busy machine (no socket, no load generator).
 * `node --import tsx bench/drivers-inprocess.ts <libsql|postgres-js> [rounds] [requests]` seeds the
 * data (a temporary SQLite file; for postgres-js a schema of its own, dropped afterwards) and
 * prints the median CPU µs per request of each and the handler ÷ covara ratio.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedPostgres } from "./drivers-shared";
import { covaraApp, honoApp } from "./drivers-server";
import { COVARA_PATH, seedDatabase } from "./shared";

type FetchApp = { fetch(request: Request): Response | Promise<Response> };

async function cpuPerRequest(app: FetchApp, requests: number): Promise<number> {
  const url = `http://bench.local${COVARA_PATH}`;
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) await (await app.fetch(new Request(url))).text();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const [driver, rounds = "9", requests = "500"] = process.argv.slice(2);
  if (driver !== "libsql" && driver !== "postgres-js")
    throw new Error("usage: drivers-inprocess.ts <libsql|postgres-js> [rounds] [requests]");
  const dir = mkdtempSync(join(tmpdir(), "covara-bench-drivers-inprocess-"));
  const file = join(dir, "users.sqlite");
  seedDatabase(file);
  const schema = `covara_bench_inprocess_${process.pid}`;
  const drop = driver === "postgres-js" ? await seedPostgres(file, schema) : undefined;
  const target = driver === "libsql" ? `libsql:${file}` : `postgres-js:${schema}`;
  const apps: Record<"covara" | "hono", FetchApp> = { covara: covaraApp(target), hono: honoApp(target) };
  for (const app of Object.values(apps)) await cpuPerRequest(app, Number(requests));
  const times = { covara: [] as number[], hono: [] as number[] };
  for (let round = 0; round < Number(rounds); round++) {
    const order = round % 2 === 0 ? (["covara", "hono"] as const) : (["hono", "covara"] as const);
    for (const variant of order) times[variant].push(await cpuPerRequest(apps[variant], Number(requests)));
  }
  const covara = median(times.covara);
  const hono = median(times.hono);
  console.log(
    JSON.stringify({
      driver,
      covaraUs: +covara.toFixed(1),
      handlerUs: +hono.toFixed(1),
      handlerOverCovara: +(hono / covara).toFixed(3),
    }),
  );
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
