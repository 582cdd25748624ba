/**
 * What the HTTP benchmarks share: servers and the load generator as pinned child processes, the
 * server's CPU time per request from /proc, canonical JSON for checking bodies, and the statistics
 * and Markdown tables the runners print. Method: bench/README.md.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { runWrk, type LoadResult } from "./load";
import { summarizeProfile } from "./profile";

export const root = fileURLToPath(new URL("..", import.meta.url));
const benchDir = fileURLToPath(new URL(".", import.meta.url));

// ---------------------------------------------------------------------------------------------
// Processes

export const hasTaskset = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
export const cpuCount = cpus().length;

/** `node --import tsx <script>`, pinned to `cpu` when taskset works and the CPU exists. */
export function nodeCommand(cpu: number, script: string, args: string[], nodeFlags: string[] = []): [string, string[]] {
  const nodeArgs = [...nodeFlags, "--import", "tsx", join(benchDir, script), ...args];
  if (hasTaskset && cpu < cpuCount) return ["taskset", ["-c", String(cpu), process.execPath, ...nodeArgs]];
  return [process.execPath, nodeArgs];
}

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function killChildren(): void {
  for (const child of children) child.kill("SIGTERM");
}
process.once("SIGINT", () => {
  killChildren();
  process.exit(130);
});
process.once("exit", killChildren);

export interface RunningServer<V extends string = string> {
  variant: V;
  url: string;
  child: ChildProcess;
}

/** Starts `script <variant> <file>` pinned to CPU 0 and waits for its `READY <url>` line. */
export function startServer<V extends string>(
  script: string,
  variant: V,
  file: string,
  nodeFlags: string[] = [],
): Promise<RunningServer<V>> {
  const [command, args] = nodeCommand(0, script, [variant, file], nodeFlags);
  // Production mode, as a deployment runs: no development-only checks or logging.
  const env = { ...process.env, NODE_ENV: "production" };
  const child = track(spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] }));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${variant} server did not start within 90 s`)), 90_000);
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) {
        clearTimeout(timer);
        resolve({ variant, url: line.slice("READY ".length).trim(), child });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${variant} server exited with code ${code}`));
    });
  });
}

export function stopServer(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once("exit", () => resolve());
    server.child.kill("SIGTERM");
  });
}

/** Runs a tsx script pinned to `cpu` and returns its stdout. */
export function runScript(cpu: number, script: string, args: string[]): Promise<string> {
  const [command, commandArgs] = nodeCommand(cpu, script, args);
  const child = track(spawn(command, commandArgs, { cwd: root, stdio: ["ignore", "pipe", "inherit"] }));
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with code ${code}`))));
  });
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** User + system CPU time of a process so far, in ms (Linux /proc), or NaN elsewhere. */
export function cpuTimeMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

export interface LoadOptions {
  connections: number;
  warmup: number;
  duration: number;
}

export interface Measurement extends LoadResult {
  /** Server CPU time per completed request, in µs: insensitive to other load on the machine. */
  cpuPerRequest: number;
}

/**
 * Loads `server` with wrk pinned to CPU 1: a warm-up run, then the measured run, with the
 * server's CPU time read around the measured run only.
 */
export async function load(
  server: RunningServer,
  path: string,
  options: LoadOptions,
  warmup = options.warmup,
  duration = options.duration,
): Promise<Measurement> {
  const cpu = hasTaskset && cpuCount > 1 ? 1 : undefined;
  if (warmup > 0) await runWrk(server.url + path, options.connections, warmup, cpu);
  const cpuStart = cpuTimeMs(server.child.pid);
  const result = await runWrk(server.url + path, options.connections, duration, cpu);
  const cpuEnd = cpuTimeMs(server.child.pid);
  return { ...result, cpuPerRequest: ((cpuEnd - cpuStart) * 1000) / result.requests };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** JSON with object keys sorted, so rows compare by content rather than key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

// ---------------------------------------------------------------------------------------------
// Statistics and printing

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A Markdown table; the first `textColumns` columns are left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][], textColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < textColumns ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------
// Options

export interface RunOptions {
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  profile: boolean;
  prepared: boolean;
  /** The runner's own `--skip-…` flag (e.g. `--skip-filter`) was given. */
  skip: boolean;
  json: string | undefined;
}

/** Parses the options every HTTP runner takes, plus its one `skipFlag`. */
export function parseRunOptions(argv: string[], skipFlag: string): RunOptions {
  const options: RunOptions = {
    rounds: 5,
    duration: 8,
    warmup: 2,
    connections: 32,
    profile: false,
    prepared: false,
    skip: false,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    if (arg === "--rounds") options.rounds = Number(next());
    else if (arg === "--duration") options.duration = Number(next());
    else if (arg === "--warmup") options.warmup = Number(next());
    else if (arg === "--connections") options.connections = Number(next());
    else if (arg === skipFlag) options.skip = true;
    else if (arg === "--profile") options.profile = true;
    else if (arg === "--prepared") options.prepared = true;
    else if (arg === "--json") options.json = next();
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** Prints the machine line, the CPU pinning and the load average before a run; returns that load average. */
export function printMachineHeader(title: string): number {
  console.log(`${title} — node ${process.version}, ${cpuCount} CPUs (${cpus()[0]?.model.trim() ?? "?"})`);
  console.log(
    hasTaskset ? "taskset: servers on CPU 0, load generator on CPU 1" : "taskset unavailable: processes are not pinned",
  );
  const loadBefore = loadavg()[0]!;
  console.log(`load average (1 min) before: ${loadBefore.toFixed(2)}`);
  if (loadBefore > 0.5)
    console.log("  warning: the machine is busy; other work will skew absolute numbers (ratios less so)");
  return loadBefore;
}

/** Runs the covara server `script` under load with the CPU profiler and prints the hottest functions. */
export async function profileCovaraServer(
  script: string,
  path: string,
  file: string,
  dir: string,
  options: RunOptions,
): Promise<void> {
  const profileDir = join(dir, "profile");
  mkdirSync(profileDir, { recursive: true });
  console.log(`\nProfiling the covara server under load (${options.duration * 2} s)…`);
  const server = await startServer(script, "covara", file, ["--cpu-prof", "--cpu-prof-dir", profileDir]);
  await load(server, path, options, 2, options.duration * 2);
  await stopServer(server);
  // tsx's loader thread writes its own (small) profile; the main thread's is the largest.
  const profile = readdirSync(profileDir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .sort((a, b) => statSync(join(profileDir, b)).size - statSync(join(profileDir, a)).size)[0];
  if (!profile) throw new Error("no .cpuprofile was written");
  console.log(`profile: ${join(profileDir, profile)}\n`);
  console.log(summarizeProfile(join(profileDir, profile), 30));
}

/**
 * Starts each variant's `script` server, checks their answers, warms each up (3 s), then measures
 * `options.rounds` rounds with the order rotating, so no variant always runs first. `note` adds
 * the runner's ratios to each round's progress line.
 */
export async function measureRounds<V extends string>(
  script: string,
  path: string,
  variants: readonly V[],
  file: string,
  options: RunOptions,
  check: (servers: RunningServer<V>[]) => Promise<void>,
  note: (results: Record<V, Measurement>) => string,
): Promise<Record<V, Measurement>[]> {
  console.log(`\nStarting servers (pinned to CPU 0)…`);
  const servers = await Promise.all(variants.map((variant) => startServer(script, variant, file)));
  const byVariant = Object.fromEntries(servers.map((s) => [s.variant, s])) as Record<V, RunningServer<V>>;
  console.log("Checking responses:");
  await check(servers);

  console.log(`Warming up each server (3 s)…`);
  for (const variant of variants) await load(byVariant[variant], path, options, 0, 3);

  const rounds: Record<V, Measurement>[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    const results = {} as Record<V, Measurement>;
    for (const variant of order) {
      const result = await load(byVariant[variant], path, options);
      if (result.errors || result.non2xx || result.timeouts) {
        throw new Error(`${variant}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`);
      }
      results[variant] = result;
    }
    rounds.push(results);
    console.log(
      `  round ${round + 1}/${options.rounds}: ` +
        variants.map((v) => `${v} ${fmt(results[v].rps)}`).join(", ") +
        `  → ${note(results)}` +
        `  [CPU µs/req ${variants.map((v) => fmt(results[v].cpuPerRequest)).join(" / ")}]`,
    );
  }
  await Promise.all(servers.map(stopServer));
  return rounds;
}

/** One table row per variant: req/s (median, range), p50, p99, covara ÷ variant, CPU µs/req, variant ÷ covara by CPU. */
export function variantRows<V extends string>(
  rounds: Record<V | "covara", Measurement>[],
  variants: readonly V[],
  labels: Record<V, string>,
): string[][] {
  return variants.map((variant) => {
    const rps = rounds.map((r) => r[variant].rps);
    return [
      labels[variant],
      fmt(median(rps)),
      `${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))}`,
      fmt(median(rounds.map((r) => r[variant].p50)), 1),
      fmt(median(rounds.map((r) => r[variant].p99)), 1),
      variant === "covara" ? "—" : median(rounds.map((r) => r.covara.rps / r[variant].rps)).toFixed(3),
      fmt(median(rounds.map((r) => r[variant].cpuPerRequest))),
      variant === "covara"
        ? "—"
        : median(rounds.map((r) => r[variant].cpuPerRequest / r.covara.cpuPerRequest)).toFixed(3),
    ];
  });
}
