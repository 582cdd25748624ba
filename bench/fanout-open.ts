/**
 * The "open cost" part of the fan-out bench: server CPU per opened subscription. Each round opens
 * `count` streams on covara (GET /subscribe with a filter and the default snapshot of the matching
 * rows) and `count` raw node:http SSE handshakes on the baseline, reading each server's CPU time
 * around the opening; the variants alternate, and the ratio covara ÷ baseline is taken per round.
 * A third row, a bare SSE route on the covara server, shows what the app and the Node adapter
 * cost before any subscription work.
 */
import { cpuTimeMs, median } from "./harness";

/** What the open-cost rounds need from a subscribers process. */
export interface OpeningClients {
  readonly ready: Promise<unknown>;
  open(url: string, path: string, count: number, headers?: string[]): Promise<{ count: number }>;
  close(): Promise<unknown>;
  kill(): void;
}

type Variant = "covara" | "adapter" | "baseline";
const VARIANTS: readonly Variant[] = ["covara", "adapter", "baseline"];

export const OPEN_PATHS: Record<Variant, string> = {
  // The shape measured from outside: a filter and the snapshot of what matches.
  covara: "/api/items/subscribe?filter=done==false",
  adapter: "/__bench/sse",
  baseline: "/subscribe",
};

export interface OpenCostResult {
  count: number;
  /** Server CPU ms per opened stream, per round. */
  covara: number[];
  adapter: number[];
  baseline: number[];
  /** covara ÷ baseline per round. */
  ratios: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Server CPU ms per stream while `count` streams open (and the server settles after them). */
async function openRound(
  url: string,
  pid: number | undefined,
  path: string,
  count: number,
  clients: () => OpeningClients,
  waitClosed: () => Promise<void>,
): Promise<number> {
  const subscribers = clients();
  await subscribers.ready;
  await sleep(200);
  const before = cpuTimeMs(pid);
  const opened = await subscribers.open(url, path, count);
  if (opened.count !== count) throw new Error(`${url}${path}: opened ${opened.count} of ${count}`);
  // Work the server does right after the response went out (catch-up) belongs to the open too.
  await sleep(200);
  const cpu = cpuTimeMs(pid) - before;
  await subscribers.close();
  await waitClosed();
  subscribers.kill();
  return cpu / count;
}

/** Rounds of opening `count` streams on each server, alternating which goes first. */
export async function measureOpenCost(
  count: number,
  rounds: number,
  servers: Record<"covara" | "baseline", string>,
  pids: Record<"covara" | "baseline", number | undefined>,
  clients: () => OpeningClients,
  waitClosed: (url: string) => Promise<void>,
): Promise<OpenCostResult> {
  const result: OpenCostResult = { count, covara: [], adapter: [], baseline: [], ratios: [] };
  const serverOf = (variant: Variant) => (variant === "baseline" ? "baseline" : "covara");
  // The bare route holds no realtime stream: its sockets are simply given time to close.
  const closed = (variant: Variant): Promise<void> =>
    variant === "adapter" ? sleep(500).then(() => undefined) : waitClosed(servers[serverOf(variant)]);
  const run = (variant: Variant, n: number) =>
    openRound(servers[serverOf(variant)], pids[serverOf(variant)], OPEN_PATHS[variant], n, clients, () =>
      closed(variant),
    );
  // Warm-up: JIT and first-use costs are not what a reconnect storm pays.
  for (const variant of VARIANTS) await run(variant, Math.min(count, 500));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...VARIANTS].reverse() : VARIANTS;
    const costs: Partial<Record<Variant, number>> = {};
    for (const variant of order) costs[variant] = await run(variant, count);
    for (const variant of VARIANTS) result[variant].push(costs[variant]!);
    result.ratios.push(costs.covara! / costs.baseline!);
  }
  return result;
}

/** The open-cost table rows (markdown). */
export function openCostTable(result: OpenCostResult, fmt: (value: number, digits?: number) => string): string {
  const lines = [
    `\nOpening ${fmt(result.count, 0)} subscriptions: server CPU per opened stream (µs, median of ${result.ratios.length} rounds)`,
    "| variant | request | server CPU µs per open |",
    "|---|---|---:|",
    `| covara | GET ${OPEN_PATHS.covara} (filter + snapshot) | ${fmt(median(result.covara) * 1000, 0)} |`,
    `| covara app, bare route | GET ${OPEN_PATHS.adapter} (one event, no subscription) | ${fmt(median(result.adapter) * 1000, 0)} |`,
    `| baseline | raw node:http SSE handshake | ${fmt(median(result.baseline) * 1000, 0)} |`,
    `open cost covara ÷ baseline, median of per-round ratios: ${fmt(median(result.ratios), 2)}`,
  ];
  return lines.join("\n");
}
