/**
 * The "re-check" part of the fan-out bench: what keeping N open streams authorized costs. Each
 * round holds N idle streams for one re-check interval (the default, 10 s) and reads the server's
 * CPU time over it, for three populations, alternating:
 *  - control: public read with an hour-long re-check interval (the idle cost of N streams);
 *  - per-session: every stream signed in with its own cookie session (N re-authentications);
 *  - shared: the N streams spread over 100 sessions (one re-authentication serves a session's streams).
 * The difference to the control, per stream and interval, is what the re-check costs.
 */
import { cpuTimeMs, median } from "./harness";
import type { OpeningClients } from "./fanout-open";

type Population = "anonymous" | "per-session" | "shared";
const POPULATIONS: readonly Population[] = ["anonymous", "per-session", "shared"];
/** The hub's default re-check interval, which the bench server keeps. */
export const RECHECK_INTERVAL_MS = 10_000;

export interface RecheckResult {
  n: number;
  /** Server CPU ms over one interval, per round. */
  cpuMs: Record<Population, number[]>;
  /** Re-authentications run over the interval, per round. */
  authentications: Record<Population, number[]>;
}

interface ServerState {
  authentications: number;
  streams: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cookieHeaders(url: string, count: number): Promise<string[]> {
  const response = await fetch(`${url}/__bench/sessions?count=${count}`, { method: "POST" });
  return ((await response.json()) as { headers: string[] }).headers;
}

/** Holds N streams of one population for an interval; returns the server CPU and re-authentications over it. */
async function holdRound(
  url: string,
  pid: number | undefined,
  n: number,
  population: Population,
  clients: () => OpeningClients,
  state: () => Promise<ServerState>,
  waitClosed: () => Promise<void>,
) {
  const headers = population === "anonymous" ? [] : await cookieHeaders(url, population === "shared" ? 100 : n);
  const path =
    population === "anonymous" ? "/api/unchecked/subscribe?snapshot=false" : "/api/private/subscribe?snapshot=false";
  const subscribers = clients();
  await subscribers.ready;
  const opened = await subscribers.open(url, path, n, headers);
  if (opened.count !== n) throw new Error(`${population}: opened ${opened.count} of ${n}`);
  // The first re-checks fall in the second half of the interval after opening: skip past the openings' own work.
  await sleep(1000);
  const before = { cpu: cpuTimeMs(pid), state: await state() };
  await sleep(RECHECK_INTERVAL_MS);
  const after = { cpu: cpuTimeMs(pid), state: await state() };
  await subscribers.close();
  await waitClosed();
  subscribers.kill();
  return { cpuMs: after.cpu - before.cpu, authentications: after.state.authentications - before.state.authentications };
}

/** Rounds of holding N streams of each population for one interval. */
export async function measureRecheck(
  n: number,
  rounds: number,
  url: string,
  pid: number | undefined,
  clients: () => OpeningClients,
  state: () => Promise<ServerState>,
  waitClosed: () => Promise<void>,
): Promise<RecheckResult> {
  const result: RecheckResult = {
    n,
    cpuMs: { anonymous: [], "per-session": [], shared: [] },
    authentications: { anonymous: [], "per-session": [], shared: [] },
  };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...POPULATIONS].reverse() : POPULATIONS;
    for (const population of order) {
      const measured = await holdRound(url, pid, n, population, clients, state, waitClosed);
      result.cpuMs[population].push(measured.cpuMs);
      result.authentications[population].push(measured.authentications);
    }
  }
  return result;
}

/** The re-check table (markdown). */
export function recheckTable(result: RecheckResult, fmt: (value: number, digits?: number) => string): string {
  const control = median(result.cpuMs.anonymous);
  const lines = [
    `\nKeeping ${fmt(result.n, 0)} idle streams authorized: server CPU over one ${RECHECK_INTERVAL_MS / 1000} s re-check interval (median of ${result.cpuMs.anonymous.length} rounds)`,
    "| streams | re-authentications per interval | server CPU ms per interval | CPU share of one core | re-check cost per stream (µs, minus control) |",
    "|---|---:|---:|---:|---:|",
  ];
  const labels: Record<Population, string> = {
    anonymous: "control (not re-checked)",
    "per-session": "one session each",
    shared: "100 shared sessions",
  };
  for (const population of POPULATIONS) {
    const cpu = median(result.cpuMs[population]);
    const extra = population === "anonymous" ? "" : fmt(((cpu - control) * 1000) / result.n, 1);
    lines.push(
      `| ${labels[population]} | ${fmt(median(result.authentications[population]), 0)} | ${fmt(cpu, 0)} | ${fmt((100 * cpu) / RECHECK_INTERVAL_MS, 1)}% | ${extra} |`,
    );
  }
  return lines.join("\n");
}
