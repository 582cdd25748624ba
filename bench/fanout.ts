/**
 * Fan-out bench: time from a POST to its event's delivery at each of N open SSE subscribers, and
 * memory per idle subscription, for covara (a resource's GET /subscribe, in-memory changelog)
 * against a hand-written node:http SSE broadcast of the same bytes, measured in the same run; and
 * the sustained event rate with 1,000 subscribers and a writer going at full speed.
 *
 *   node --import tsx bench/fanout.ts [--sizes 1000,10000] [--rounds 10] [--seconds 5] [--json out.json]
 *     [--phases open,latency,throughput,recheck] [--open-count 2000] [--profile]
 *   COVARA_BENCH_BUILT=1 … serves covara from the built package (npm run build first)
 *
 * It also measures the server CPU each opened subscription costs (filter + snapshot) against a raw
 * node:http SSE handshake (bench/fanout-open.ts), and what re-authorizing open streams costs at the
 * largest size (bench/fanout-recheck.ts).
 *
 * Each server runs in its own process pinned to CPU 1; the subscribers (raw sockets, one process
 * per server) and this driver share CPU 0. The variants alternate round by round and the ratio
 * covara ÷ baseline is taken per round; the median is reported.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { itemBody, nowMs } from "./fanout-shared";
import { cpuTimeMs, hasTaskset, median, root } from "./harness";
import { measureOpenCost, openCostTable } from "./fanout-open";
import { measureRecheck, recheckTable } from "./fanout-recheck";
import { summarizeProfile } from "./profile";

type Variant = "covara" | "baseline";

interface Options {
  sizes: number[];
  rounds: number;
  seconds: number;
  json: string | undefined;
  /** Profile the covara server (`node --cpu-prof`) and print where its time went. */
  profile: boolean;
  /** Which parts run: open (open cost), latency, throughput, recheck (re-authorization at the largest size). */
  phases: Set<string>;
  /** Streams opened per open-cost round. */
  openCount: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    sizes: [1000, 10_000],
    rounds: 10,
    seconds: 5,
    json: undefined,
    profile: false,
    phases: new Set(["open", "latency", "throughput", "recheck"]),
    openCount: 2000,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === "--profile") {
      options.profile = true;
      continue;
    }
    if (argv[i] === "--sizes") options.sizes = value!.split(",").map(Number);
    else if (argv[i] === "--rounds") options.rounds = Number(value);
    else if (argv[i] === "--seconds") options.seconds = Number(value);
    else if (argv[i] === "--json") options.json = value;
    else if (argv[i] === "--phases") options.phases = new Set(value!.split(","));
    else if (argv[i] === "--open-count") options.openCount = Number(value);
    else continue;
    i++;
  }
  return options;
}

const profileDir = fileURLToPath(new URL("./.tmp/fanout-profile", import.meta.url));

/** Starts a TypeScript entry in its own process, pinned to `cpu` when taskset exists. */
function startProcess(file: string, cpu: number, ipc: boolean, profile = false): ChildProcess {
  const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const node = [process.execPath, "--expose-gc", "--max-old-space-size=4096", ...flags, "--import", "tsx", file];
  const [command, ...args] = hasTaskset ? ["taskset", "-c", String(cpu), ...node] : node;
  return spawn(command!, args, { cwd: root, stdio: ["ignore", "pipe", "inherit", ...(ipc ? ["ipc" as const] : [])] });
}

async function startServer(file: string, profile = false): Promise<{ url: string; child: ChildProcess }> {
  const child = startProcess(file, 1, false, profile);
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /^LISTENING (\S+)/.exec(line);
    if (match) return { url: match[1]!, child };
  }
  throw new Error(`${file} exited before listening`);
}

/** One subscribers process, driven over IPC. */
class Subscribers {
  private readonly child = startProcess("bench/fanout-clients.ts", 0, true);
  private readonly waiting = new Map<string, (message: any) => void>();
  readonly ready: Promise<unknown>;

  constructor() {
    this.ready = this.expect("ready");
    this.child.on("message", (message: { type: string }) => {
      const resolve = this.waiting.get(message.type);
      this.waiting.delete(message.type);
      resolve?.(message);
    });
  }

  private expect(type: string): Promise<any> {
    return new Promise((resolve) => this.waiting.set(type, resolve));
  }

  private ask(message: Record<string, unknown>, reply: string): Promise<any> {
    const answer = this.expect(reply);
    this.child.send(message);
    return answer;
  }

  open(url: string, path: string, count: number, headers: string[] = []): Promise<{ count: number }> {
    return this.ask({ type: "open", port: Number(new URL(url).port), path, count, headers }, "opened");
  }
  arm(): Promise<unknown> {
    return this.ask({ type: "arm" }, "armed");
  }
  async collect(): Promise<number[]> {
    return (await this.ask({ type: "collect" }, "arrivals")).times;
  }
  async count(): Promise<number> {
    return (await this.ask({ type: "count" }, "counted")).events;
  }
  close(): Promise<unknown> {
    return this.ask({ type: "close" }, "closed");
  }
  kill(): void {
    this.child.kill();
  }
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  streams: number;
  authentications: number;
}

async function memory(url: string): Promise<Memory> {
  return (await (await fetch(`${url}/__bench/memory`)).json()) as Memory;
}

async function publish(variant: Variant, url: string, round: number): Promise<void> {
  const target = variant === "covara" ? `${url}/api/items` : `${url}/publish`;
  const res = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...itemBody(round), done: false }),
  });
  if (res.status !== 201) throw new Error(`${variant}: POST answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForStreams(url: string, count: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    // Right after thousands of sockets closed, the server may reset this request: ask again.
    const state = await memory(url).catch(() => null);
    if (state?.streams === count) return;
    await sleep(50);
  }
  throw new Error(`${url}: streams never reached ${count}`);
}

interface LatencyRound {
  p50: number;
  p99: number;
  max: number;
}

async function latencyRound(variant: Variant, url: string, clients: Subscribers, round: number): Promise<LatencyRound> {
  await clients.arm();
  const start = nowMs();
  await publish(variant, url, round);
  const times = (await clients.collect()).map((time) => time - start).sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1]! };
}

/** Opens N subscribers on each server, measures memory per idle connection and delivery latency. */
async function latencyAt(n: number, options: Options, servers: Record<Variant, string>) {
  const clients = { covara: new Subscribers(), baseline: new Subscribers() };
  await Promise.all([clients.covara.ready, clients.baseline.ready]);
  const before = { covara: await memory(servers.covara), baseline: await memory(servers.baseline) };
  const paths = { covara: "/api/items/subscribe?snapshot=false", baseline: "/subscribe" };
  for (const variant of ["covara", "baseline"] as const) {
    const opened = await clients[variant].open(servers[variant], paths[variant], n);
    if (opened.count !== n) throw new Error(`${variant}: opened ${opened.count} of ${n}`);
  }
  await sleep(1000);
  const after = { covara: await memory(servers.covara), baseline: await memory(servers.baseline) };
  const perConnection = (variant: Variant) => ({
    rss: (after[variant].rss - before[variant].rss) / n,
    heap: (after[variant].heapUsed + after[variant].external - before[variant].heapUsed - before[variant].external) / n,
  });
  // Warm-up: one unmeasured round each.
  await latencyRound("covara", servers.covara, clients.covara, -1);
  await latencyRound("baseline", servers.baseline, clients.baseline, -1);
  const rounds: Record<Variant, LatencyRound[]> = { covara: [], baseline: [] };
  const ratios = { p50: [] as number[], p99: [] as number[] };
  for (let round = 0; round < options.rounds; round++) {
    const order: Variant[] = round % 2 ? ["baseline", "covara"] : ["covara", "baseline"];
    const result: Partial<Record<Variant, LatencyRound>> = {};
    for (const variant of order)
      result[variant] = await latencyRound(variant, servers[variant], clients[variant], round);
    rounds.covara.push(result.covara!);
    rounds.baseline.push(result.baseline!);
    ratios.p50.push(result.covara!.p50 / result.baseline!.p50);
    ratios.p99.push(result.covara!.p99 / result.baseline!.p99);
  }
  await Promise.all([clients.covara.close(), clients.baseline.close()]);
  await Promise.all([waitForStreams(servers.covara, 0), waitForStreams(servers.baseline, 0)]);
  clients.covara.kill();
  clients.baseline.kill();
  return { n, rounds, ratios, memory: { covara: perConnection("covara"), baseline: perConnection("baseline") } };
}

/** Writes as fast as `concurrency` requests allow for `seconds`, then waits for every delivery. */
async function throughput(
  variant: Variant,
  url: string,
  pid: number | undefined,
  clients: Subscribers,
  subscribers: number,
  seconds: number,
) {
  const already = await clients.count();
  const cpuBefore = cpuTimeMs(pid);
  const start = nowMs();
  const stopAt = start + seconds * 1000;
  let writes = 0;
  const concurrency = 16;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (nowMs() < stopAt) {
        await publish(variant, url, writes);
        writes++;
      }
    }),
  );
  const expected = already + writes * subscribers;
  let delivered = await clients.count();
  while (delivered < expected) {
    await sleep(10);
    delivered = await clients.count();
  }
  const elapsed = (nowMs() - start) / 1000;
  const cpu = cpuTimeMs(pid) - cpuBefore;
  return {
    writes,
    seconds: elapsed,
    writesPerSecond: writes / elapsed,
    deliveriesPerSecond: (writes * subscribers) / elapsed,
    serverCpuMsPerWrite: cpu / writes,
    serverCpuUsPerDelivery: (cpu * 1000) / (writes * subscribers),
  };
}

async function throughputWith(
  subscribers: number,
  options: Options,
  servers: Record<Variant, string>,
  pids: Record<Variant, number | undefined>,
) {
  const clients = { covara: new Subscribers(), baseline: new Subscribers() };
  await Promise.all([clients.covara.ready, clients.baseline.ready]);
  await clients.covara.open(servers.covara, "/api/items/subscribe?snapshot=false", subscribers);
  await clients.baseline.open(servers.baseline, "/subscribe", subscribers);
  const results: Record<Variant, Awaited<ReturnType<typeof throughput>>[]> = { covara: [], baseline: [] };
  for (let round = 0; round < 3; round++) {
    const order: Variant[] = round % 2 ? ["baseline", "covara"] : ["covara", "baseline"];
    for (const variant of order)
      results[variant].push(
        await throughput(variant, servers[variant], pids[variant], clients[variant], subscribers, options.seconds),
      );
  }
  await Promise.all([clients.covara.close(), clients.baseline.close()]);
  clients.covara.kill();
  clients.baseline.kill();
  return results;
}

const fmt = (value: number, digits = 1) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const source = process.env.COVARA_BENCH_BUILT === "1" ? "dist/" : "src/";
  console.log(
    `fan-out bench: covara from ${source}, sizes ${options.sizes.join(", ")}, ${options.rounds} rounds, taskset ${hasTaskset ? "on" : "off"}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  if (options.profile) rmSync(profileDir, { recursive: true, force: true });
  const covara = await startServer("bench/fanout-server.ts", options.profile);
  const baseline = await startServer("bench/fanout-baseline.ts");
  const servers = { covara: covara.url, baseline: baseline.url };
  const report: Record<string, unknown> = { options, pinned: hasTaskset, load: loadavg() };
  try {
    if (options.phases.has("open")) {
      // The snapshot has rows to send: what a reconnecting client of a real list gets.
      for (let i = 0; i < 20; i++) await publish("covara", servers.covara, -2);
      const open = await measureOpenCost(
        options.openCount,
        options.rounds,
        servers,
        { covara: covara.child.pid, baseline: baseline.child.pid },
        () => new Subscribers(),
        (url) => waitForStreams(url, 0),
      );
      report.open = open;
      console.log(openCostTable(open, fmt));
    }
    const latency = [];
    for (const n of options.phases.has("latency") ? options.sizes : []) {
      const result = await latencyAt(n, options, servers);
      latency.push(result);
      const med = (variant: Variant, key: keyof LatencyRound) =>
        median(result.rounds[variant].map((round) => round[key]));
      console.log(
        `\nN = ${fmt(n, 0)} subscribers: POST → delivery at every subscriber (ms, median of ${options.rounds} rounds)`,
      );
      console.log("| variant | p50 | p99 | max | KB per idle connection (RSS) | KB (heap+external) |");
      console.log("|---|---:|---:|---:|---:|---:|");
      for (const variant of ["covara", "baseline"] as const) {
        const mem = result.memory[variant];
        console.log(
          `| ${variant} | ${fmt(med(variant, "p50"))} | ${fmt(med(variant, "p99"))} | ${fmt(med(variant, "max"))} | ${fmt(mem.rss / 1024)} | ${fmt(mem.heap / 1024)} |`,
        );
      }
      console.log(
        `covara ÷ baseline, median of per-round ratios: p50 ${fmt(median(result.ratios.p50), 2)}, p99 ${fmt(median(result.ratios.p99), 2)}`,
      );
    }
    report.latency = latency;
    if (options.phases.has("throughput")) {
      const sustained = await throughputWith(1000, options, servers, {
        covara: covara.child.pid,
        baseline: baseline.child.pid,
      });
      report.throughput = sustained;
      console.log(
        `\nSustained: 1,000 subscribers, a writer with 16 requests in flight for ${options.seconds} s, until every event was delivered (median of 3 rounds)`,
      );
      console.log(
        "| variant | writes/s fully delivered | deliveries/s | server CPU ms per write | server CPU µs per delivery |",
      );
      console.log("|---|---:|---:|---:|---:|");
      for (const variant of ["covara", "baseline"] as const) {
        const m = (key: "writesPerSecond" | "deliveriesPerSecond" | "serverCpuMsPerWrite" | "serverCpuUsPerDelivery") =>
          median(sustained[variant].map((r) => r[key]));
        console.log(
          `| ${variant} | ${fmt(m("writesPerSecond"), 0)} | ${fmt(m("deliveriesPerSecond"), 0)} | ${fmt(m("serverCpuMsPerWrite"), 2)} | ${fmt(m("serverCpuUsPerDelivery"), 2)} |`,
        );
      }
      const ratio = median(sustained.covara.map((r, i) => r.writesPerSecond / sustained.baseline[i]!.writesPerSecond));
      console.log(`covara ÷ baseline (writes/s, median of per-round ratios): ${fmt(ratio, 2)}`);
    }
    if (options.phases.has("recheck")) {
      const n = Math.max(...options.sizes);
      const recheck = await measureRecheck(
        n,
        Math.min(options.rounds, 3),
        servers.covara,
        covara.child.pid,
        () => new Subscribers(),
        () => memory(servers.covara),
        () => waitForStreams(servers.covara, 0),
      );
      report.recheck = recheck;
      console.log(recheckTable(recheck, fmt));
    }
  } finally {
    // SIGTERM lets the covara server drain and exit, which writes its profile.
    const exited = new Promise((resolve) => covara.child.once("exit", resolve));
    covara.child.kill("SIGTERM");
    baseline.child.kill();
    await exited;
  }
  if (options.profile) {
    const file = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
    if (file) console.log(`\n${summarizeProfile(join(profileDir, file), 25)}`);
  }
  if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
}

await main();
