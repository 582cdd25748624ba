/**
 * The HTTP load generator: wrk (`apt install wrk`), one thread, pinned to CPU 1 when taskset
 * works. wrk, not a Node client: a Node load generator saturates at a few thousand req/s on one
 * core, which caps a fast baseline and flatters every ratio against it.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface LoadResult {
  /** Completed requests per second over the measured run. */
  rps: number;
  /** Latency percentiles and mean, in ms. */
  p50: number;
  p90: number;
  p99: number;
  latencyAverage: number;
  requests: number;
  /** Socket errors (connect, read, write). */
  errors: number;
  timeouts: number;
  /** Answers outside 2xx/3xx. */
  non2xx: number;
}

interface WrkLine {
  requests: number;
  durationUs: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
}

const REPORT_SCRIPT = fileURLToPath(new URL("./wrk-report.lua", import.meta.url));

/** Runs `wrk -t1 -c<connections> -d<seconds>s <url>` (pinned with `taskset -c <cpu>` when given) and parses its report. */
export function runWrk(url: string, connections: number, seconds: number, cpu?: number): Promise<LoadResult> {
  const wrkArgs = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", REPORT_SCRIPT, url];
  const [command, args] = cpu === undefined ? ["wrk", wrkArgs] : ["taskset", ["-c", String(cpu), "wrk", ...wrkArgs]];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`cannot run wrk (is it installed?): ${error.message}`)));
    child.once("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("WRK "));
      if (code !== 0 || !line) return reject(new Error(`wrk exited with code ${code}: ${err || out}`));
      const w = JSON.parse(line.slice(4)) as WrkLine;
      resolve({
        rps: w.requests / (w.durationUs / 1e6),
        p50: w.p50 / 1000,
        p90: w.p90 / 1000,
        p99: w.p99 / 1000,
        latencyAverage: w.mean / 1000,
        requests: w.requests,
        errors: w.connect + w.read + w.write,
        timeouts: w.timeout,
        non2xx: w.status,
      });
    });
  });
}
