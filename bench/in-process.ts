/**
 * In-process request benchmarks (no sockets): each variant is a Hono app answering one GET
 * through `app.request`. Variants are interleaved in batches that rotate each round; per round
 * the ratio is baseline µs / variant µs (1.0 = as cheap as the baseline, the first variant), and
 * the median over rounds is printed as a Markdown table.
 */
export interface InProcessVariant {
  name: string;
  /** A Hono app (any environment): only its `request` is used. */
  app: { request(path: string, init?: RequestInit): Response | Promise<Response> };
  headers: Record<string, string>;
}

export interface InProcessOptions {
  title: string;
  path: string;
  /** Every variant must answer exactly this body before anything is timed. */
  expectedBody: string;
  rounds: number;
  batch: number;
}

/** `--rounds N --batch N` from the command line, with defaults. */
export function inProcessArgs(defaults: { rounds: number; batch: number }): { rounds: number; batch: number } {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? fallback : Number(args[index + 1]);
  };
  return { rounds: option("rounds", defaults.rounds), batch: option("batch", defaults.batch) };
}

async function timeBatch(v: InProcessVariant, options: InProcessOptions): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < options.batch; i++) {
    const res = await v.app.request(options.path, { headers: v.headers });
    if (res.status !== 200) throw new Error(`${v.name} answered ${res.status}`);
    await res.arrayBuffer();
  }
  return Number(process.hrtime.bigint() - start) / 1000 / options.batch;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Checks, warms up, times and prints the variants; the first one is the baseline. */
export async function compareInProcess(variants: InProcessVariant[], options: InProcessOptions): Promise<void> {
  for (const v of variants) {
    const text = await (await v.app.request(options.path, { headers: v.headers })).text();
    if (text !== options.expectedBody) throw new Error(`${v.name} answered ${text}`);
  }
  for (const v of variants) await timeBatch(v, options); // warm-up

  const micros = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const ratios = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    const thisRound = new Map<string, number>();
    for (const v of order) thisRound.set(v.name, await timeBatch(v, options));
    const base = thisRound.get(variants[0]!.name)!;
    for (const [name, us] of thisRound) {
      micros.get(name)!.push(us);
      ratios.get(name)!.push(base / us);
    }
  }

  console.log(
    `${options.title}, ${options.rounds} rounds × ${options.batch} requests per variant (µs per request, median)`,
  );
  console.log("| variant | µs / request | ratio vs baseline (median, min–max) |");
  console.log("|---|---:|---:|");
  for (const v of variants) {
    const r = ratios.get(v.name)!;
    console.log(
      `| ${v.name} | ${median(micros.get(v.name)!).toFixed(1)} | ${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}) |`,
    );
  }
}
