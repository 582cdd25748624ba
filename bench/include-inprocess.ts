/**
 * The include benchmark without HTTP: every variant's app in one process, answering the request
 * through `app.fetch`, timed by the process's own CPU time (`process.cpuUsage`), interleaved over
 * rounds. A cross-check for the HTTP run on a busy machine: CPU time per request does not count the
 * time the process waits for a core, and no socket or load generator is involved.
 * `node --import tsx bench/include-inprocess.ts <sqlite file> [rounds] [requests per round]`;
 * prints one JSON line: the per-variant CPU µs per request of every round.
 */
import { APPS, type Variant } from "./include-server";
import { INCLUDE_PATH } from "./include-shared";

export type InProcessResult = Record<Variant, number[]>;

type FetchApp = ReturnType<(typeof APPS)[Variant]>;

async function cpuPerRequest(app: FetchApp, url: string, requests: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const response = await app.fetch(new Request(url));
    await response.text();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

async function main(): Promise<void> {
  const [file, rounds = "11", requests = "300"] = process.argv.slice(2);
  if (!file) throw new Error("usage: include-inprocess.ts <sqlite file> [rounds] [requests per round]");
  const variants = Object.keys(APPS) as Variant[];
  const apps = Object.fromEntries(variants.map((variant) => [variant, APPS[variant](file)])) as Record<
    Variant,
    FetchApp
  >;
  const url = `http://bench.local${INCLUDE_PATH}`;
  for (const variant of variants) await cpuPerRequest(apps[variant], url, Number(requests));
  const result = Object.fromEntries(variants.map((variant) => [variant, [] as number[]])) as InProcessResult;
  for (let round = 0; round < Number(rounds); round++) {
    // Rotate the order, as the HTTP run does.
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length]!;
      result[variant].push(await cpuPerRequest(apps[variant], url, Number(requests)));
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
