/**
 * The load generator, run in its own process (pinned to its own core by `run.ts`):
 * `node --import tsx bench/load.ts <url> <connections> <warmup s> <duration s>`.
 * Warms up, prints `MEASURING`, measures, and prints one JSON line with the measured run's numbers.
 */
import autocannon from "autocannon";

export interface LoadResult {
  /** Completed requests per second over the measured run. */
  rps: number;
  /** Mean of autocannon's per-second samples. */
  rpsAverage: number;
  p50: number;
  p90: number;
  p99: number;
  latencyAverage: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const [url, connections = "32", warmup = "1", duration = "5"] = process.argv.slice(2);
  if (!url) throw new Error("usage: load.ts <url> [connections] [warmup s] [duration s]");
  const options = { url, connections: Number(connections), pipelining: 1, timeout: 10 };
  if (Number(warmup) > 0) await autocannon({ ...options, duration: Number(warmup) });
  // Tells run.ts to snapshot the server's CPU time: the measured run starts now.
  process.stdout.write("MEASURING\n");
  const result = await autocannon({ ...options, duration: Number(duration) });
  const summary: LoadResult = {
    rps: result.requests.total / result.duration,
    rpsAverage: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    latencyAverage: result.latency.average,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
