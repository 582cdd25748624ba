/**
 * Fan-out latency on Workers: a publish to the CovaraKVDurableObject reaching 1,000 subscribers
 * held by two Worker isolates (500 each). Each subscriber is its own long-lived request, as an SSE
 * client is, holding one WebSocket to the object (a Worker request may hold only six connections,
 * so subscribers cannot be multiplexed into one request). Measured from Node: the publish request leaves, and the clock stops
 * when both isolates report that all their subscribers have the message. The baseline in the same
 * run is the same round trip with one subscriber per isolate, so the ratio is the cost of fanning
 * out to 1,000 rather than 2.
 *
 *   npm run bench:workers-fanout [-- --rounds 30 --subscribers 1000]
 */
import { execSync } from "node:child_process";
import { Miniflare } from "miniflare";
import { bundleFixture, COMPATIBILITY } from "../test/workers/harness";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option("rounds", 30);
const total = option("subscribers", 1000);

const script = await bundleFixture("../../../bench/fixtures/workers-fanout-subscribers");
const kvBinding = { COVARA_KV: { className: "CovaraKVDurableObject", scriptName: "host", useSQLite: true } };
const subscriberWorker = { modules: true, script, ...COMPATIBILITY, durableObjects: kvBinding };
const mf = new Miniflare({
  workers: [
    { name: "a", routes: ["a.test/*"], ...subscriberWorker },
    { name: "b", routes: ["b.test/*"], ...subscriberWorker },
    {
      name: "host",
      routes: ["host.test/*"],
      modules: true,
      script,
      ...COMPATIBILITY,
      durableObjects: { COVARA_KV: { className: "CovaraKVDurableObject", useSQLite: true } },
    },
  ],
});

/** Opens one isolate's subscribers; resolves once they are all registered, with a line reader. */
async function openIsolate(name: string, n: number, channel: string) {
  const response = await mf.dispatchFetch(`http://${name}.test/subscribe?n=${n}&channel=${channel}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const waiting = new Map<string, () => void>();
  const seen = new Set<string>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === "ready") ready();
        else if (line.startsWith("got ")) {
          const message = line.slice(4);
          seen.add(message);
          waiting.get(message)?.();
        }
      }
    }
  })();
  await isReady;
  return {
    got: (message: string) =>
      seen.has(message) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(message, resolve)),
    close: () => reader.cancel(),
  };
}

async function measure(
  isolates: Awaited<ReturnType<typeof openIsolate>>[],
  channel: string,
  round: number,
): Promise<number> {
  const message = `${channel}-${round}`;
  const start = performance.now();
  const arrived = Promise.all(isolates.map((isolate) => isolate.got(message)));
  await (await mf.dispatchFetch(`http://host.test/publish?channel=${channel}&m=${message}`)).text();
  await arrived;
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? NaN;

/** `count` subscriber requests, alternating between the two isolates, all registered. */
async function openSubscribers(count: number, channel: string) {
  const opened: Awaited<ReturnType<typeof openIsolate>>[] = [];
  // In waves, so the loopback is not asked for a thousand connections at once.
  for (let start = 0; start < count; start += 50) {
    const wave = Array.from({ length: Math.min(50, count - start) }, (_, i) =>
      openIsolate((start + i) % 2 === 0 ? "a" : "b", 1, channel),
    );
    opened.push(...(await Promise.all(wave)));
  }
  return opened;
}

// Separate channels: the baseline's publish reaches its two subscribers only.
const many = await openSubscribers(total, "many");
const few = await openSubscribers(2, "few");
const manyTimes: number[] = [];
const fewTimes: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < rounds + 3; round++) {
  // Interleaved, so load on the machine hits both alike; the first rounds warm up.
  const m = await measure(many, "many", round);
  const f = await measure(few, "few", round);
  if (round < 3) continue;
  manyTimes.push(m);
  fewTimes.push(f);
  ratios.push(m / f);
}
for (const isolate of [...many, ...few]) await isolate.close();
await mf.dispose();

const load = execSync("uptime").toString().trim();
console.log(`workers fan-out: ${total} subscribers over 2 isolates via the Durable Object KV, ${rounds} rounds`);
console.log(
  `  publish -> all ${total} delivered: median ${median(manyTimes).toFixed(1)} ms, p95 ${p95(manyTimes).toFixed(1)} ms`,
);
console.log(
  `  publish -> 2 delivered (baseline): median ${median(fewTimes).toFixed(1)} ms, p95 ${p95(fewTimes).toFixed(1)} ms`,
);
console.log(`  median per-round ratio ${median(ratios).toFixed(2)}x (includes both Node round trips)`);
console.log(`  load: ${load}`);
