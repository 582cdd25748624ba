/**
 * `node --import tsx bench/tasks.ts`: covara's task queue on the Redis KV against BullMQ on the same
 * Redis, in the same run.
 *
 * Method: per round, each system (order alternating between rounds) gets `--jobs` no-op jobs
 * enqueued by 10 concurrent producers (enqueue rate), then a fresh worker pool of `--concurrency`
 * drains them (jobs per second, from worker start to the last result recorded), then an idle pool
 * receives `--latency` jobs one at a time (enqueue-to-handler-start latency). The covara/BullMQ
 * ratio is taken per round; the table shows medians over rounds. Each system has its own key
 * prefix, and only those keys are deleted between phases.
 *
 * Options: --rounds N (6), --jobs N (5000), --concurrency N (10), --latency N (300), --url URL
 * (REDIS_URL or redis://127.0.0.1:6379), --json FILE, --only covara|bullmq (one system, no ratios:
 * for profiling with `node --cpu-prof --import tsx bench/tasks.ts --only covara`).
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { median } from "./harness";
import { bullmqSystem, covaraSystem, type QueueUnderTest } from "./tasks-systems";

interface Options {
  rounds: number;
  jobs: number;
  concurrency: number;
  latency: number;
  url: string;
  json: string | undefined;
  /** Run one system only (for profiling with `node --cpu-prof`); no ratios then. */
  only: "covara" | "bullmq" | undefined;
}

interface RoundResult {
  enqueuePerSec: number;
  jobsPerSec: number;
  /** This process's CPU time (user + system) per job while draining: barely moved by other load. */
  cpuUsPerJob: number;
  p50: number;
  p99: number;
}

const TARGET = 1.0;

function parseOptions(argv: string[]): Options {
  const options: Options = {
    rounds: 6,
    jobs: 5000,
    concurrency: 10,
    latency: 300,
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    json: undefined,
    only: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case "--rounds":
      case "--jobs":
      case "--concurrency":
      case "--latency":
        options[flag.slice(2) as "rounds" | "jobs" | "concurrency" | "latency"] = Number(value);
        break;
      case "--url":
        options.url = value;
        break;
      case "--json":
        options.json = value;
        break;
      case "--only":
        if (value !== "covara" && value !== "bullmq") throw new Error("--only takes covara or bullmq");
        options.only = value;
        break;
      default:
        throw new Error(`Unknown option ${flag}`);
    }
  }
  return options;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function measure(system: QueueUnderTest, options: Options): Promise<RoundResult> {
  await system.cleanup();
  const fillStarted = performance.now();
  await system.fill(options.jobs, 10);
  const enqueuePerSec = options.jobs / ((performance.now() - fillStarted) / 1000);
  const cpuBefore = process.cpuUsage();
  const drainMs = await system.drain(options.jobs, options.concurrency);
  const cpu = process.cpuUsage(cpuBefore);
  await system.cleanup();
  const samples = await system.latency(options.latency, options.concurrency);
  await system.cleanup();
  return {
    enqueuePerSec,
    jobsPerSec: options.jobs / (drainMs / 1000),
    cpuUsPerJob: (cpu.user + cpu.system) / options.jobs,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
  };
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const covara = await covaraSystem(options.url, `covara-bench:${run}:`);
  const bullmq = await bullmqSystem(options.url, `bullmq-bench-${run}`);
  const systems = options.only === undefined ? [covara, bullmq] : [options.only === "covara" ? covara : bullmq];
  const results = new Map<QueueUnderTest, RoundResult[]>(systems.map((system) => [system, []]));
  console.log(
    `tasks bench: ${options.rounds} rounds × ${options.jobs} jobs, concurrency ${options.concurrency}, ` +
      `${options.latency} latency samples; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`,
  );
  try {
    // One warm-up round each (JIT, script loading), not counted.
    for (const system of systems)
      await measure(system, { ...options, jobs: Math.min(1000, options.jobs), latency: 50 });
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? systems : [...systems].reverse();
      for (const system of order) {
        const result = await measure(system, options);
        results.get(system)!.push(result);
        console.log(
          `  round ${round + 1} ${system.label.padEnd(18)} ${fmt(result.jobsPerSec).padStart(7)} jobs/s  ` +
            `${fmt(result.cpuUsPerJob).padStart(4)} µs CPU/job  enqueue ${fmt(result.enqueuePerSec).padStart(7)}/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms`,
        );
      }
    }
  } finally {
    for (const system of [covara, bullmq]) {
      await system.cleanup().catch(() => {});
      await system.close().catch(() => {});
    }
  }
  if (options.only === undefined) printTable(results.get(covara)!, results.get(bullmq)!, options);
  if (options.json !== undefined) {
    writeFileSync(
      options.json,
      JSON.stringify({ options, covara: results.get(covara), bullmq: results.get(bullmq) }, null, 2),
    );
  }
}

function printTable(ours: RoundResult[], theirs: RoundResult[], options: Options): void {
  const ratios = (pick: (r: RoundResult) => number) => median(ours.map((r, i) => pick(r) / pick(theirs[i]!)));
  const row = (label: string, rs: RoundResult[]) =>
    `| ${label} | ${fmt(median(rs.map((r) => r.jobsPerSec)))} | ${fmt(Math.min(...rs.map((r) => r.jobsPerSec)))}–${fmt(Math.max(...rs.map((r) => r.jobsPerSec)))} | ` +
    `${fmt(median(rs.map((r) => r.cpuUsPerJob)))} | ${fmt(median(rs.map((r) => r.enqueuePerSec)))} | ` +
    `${fmt(median(rs.map((r) => r.p50)), 2)} | ${fmt(median(rs.map((r) => r.p99)), 2)} |`;
  console.log("");
  console.log(`| system | jobs/s (median) | jobs/s range | CPU µs/job | enqueue/s | start p50 ms | start p99 ms |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  console.log(row("covara (Redis KV)", ours));
  console.log(row("BullMQ", theirs));
  const throughput = ratios((r) => r.jobsPerSec);
  console.log("");
  console.log(`covara ÷ BullMQ, median of ${options.rounds} per-round ratios:`);
  console.log(
    `  jobs/s     ${throughput.toFixed(3)}  (target ≥ ${TARGET.toFixed(1)}: ${throughput >= TARGET ? "met" : "NOT met"})`,
  );
  console.log(
    `  by CPU/job ${ratios((r) => 1 / r.cpuUsPerJob).toFixed(3)}  (BullMQ's CPU per job ÷ covara's; above 1 = covara cheaper)`,
  );
  console.log(`  enqueue/s  ${ratios((r) => r.enqueuePerSec).toFixed(3)}`);
  console.log(`  p50 start  ${ratios((r) => r.p50).toFixed(3)}  (below 1 = covara starts sooner)`);
  console.log(`  p99 start  ${ratios((r) => r.p99).toFixed(3)}`);
}

await main();
