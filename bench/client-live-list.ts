/**
 * `npm run bench:client`: a live list of 10,000 rows absorbing 5,000 change events (60% changed,
 * 20% added, 20% removed; order by a score field, id as tie-breaker), applied by covara's
 * LiveListStore against a naive baseline that copies and re-sorts the array for every event, in
 * the same run. Variants are interleaved over several rounds over the same event sequence; each
 * round checks both end with the same rows in the same order; the median round ratio is reported.
 * "store + read" also takes the immutable `items` view after every event (a UI rendering each
 * event rather than once per frame), the worst case for the store.
 *
 * Options: --rounds N (7), --rows N (10000), --events N (5000), --json FILE.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { LiveListStore } from "../src/client/live-list";
import { createRowComparator } from "../src/client/order";

interface Row {
  id: number;
  score: number;
  title: string;
}
type Event = { type: "changed" | "added"; row: Row } | { type: "removed"; id: number };

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const ROUNDS = arg("rounds", 7);
const ROWS = arg("rows", 10_000);
const EVENTS = arg("events", 5_000);

/** A seeded random source, so every round and variant sees the same events. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function workload(): { rows: Row[]; events: Event[] } {
  const rand = random(42);
  const rows: Row[] = [];
  for (let id = 1; id <= ROWS; id++) rows.push({ id, score: Math.floor(rand() * 1000), title: `row ${id}` });
  const live = rows.map((r) => r.id);
  let next = ROWS + 1;
  const events: Event[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const pick = rand();
    if (pick < 0.6) {
      const id = live[Math.floor(rand() * live.length)]!;
      events.push({ type: "changed", row: { id, score: Math.floor(rand() * 1000), title: `row ${id} v${i}` } });
    } else if (pick < 0.8) {
      const id = next++;
      live.push(id);
      events.push({ type: "added", row: { id, score: Math.floor(rand() * 1000), title: `row ${id}` } });
    } else {
      const index = Math.floor(rand() * live.length);
      const [id] = live.splice(index, 1);
      events.push({ type: "removed", id: id! });
    }
  }
  return { rows, events };
}

interface Result {
  totalMs: number;
  p99Us: number;
  final: readonly Row[];
}

function timeEvents(events: Event[], apply: (event: Event) => void): { totalMs: number; p99Us: number } {
  const samples = new Float64Array(events.length);
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const t = performance.now();
    apply(events[i]!);
    samples[i] = performance.now() - t;
  }
  const totalMs = performance.now() - start;
  samples.sort();
  return { totalMs, p99Us: (samples[Math.floor(samples.length * 0.99)] ?? 0) * 1000 };
}

function runStore(rows: Row[], events: Event[], readEach: boolean): Result {
  const store = new LiveListStore<Row>({ orderBy: "score" });
  store.reset(rows);
  let sink = 0;
  const timing = timeEvents(events, (event) => {
    if (event.type === "removed") store.remove(event.id);
    else store.upsert(event.row);
    if (readEach) sink += store.items.length;
  });
  if (sink < 0) console.log(sink);
  return { ...timing, final: store.items };
}

function runNaive(rows: Row[], events: Event[]): Result {
  const compare = createRowComparator<Row>("score", "id");
  let list = [...rows].sort(compare);
  const timing = timeEvents(events, (event) => {
    // What a hand-rolled reducer does: a new array per event, then sort it again.
    const id = event.type === "removed" ? event.id : event.row.id;
    const next = list.filter((row) => row.id !== id);
    if (event.type !== "removed") next.push(event.row);
    next.sort(compare);
    list = next;
  });
  return { ...timing, final: list };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const { rows, events } = workload();
console.log(
  `covara/client live list: ${ROWS} rows, ${EVENTS} events, ${ROUNDS} rounds; node ${process.version}, ${cpus()[0]?.model ?? "cpu"}`,
);
const rounds: { store: Result; read: Result; naive: Result }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Interleave, rotating which variant goes first, so drift hits all of them alike.
  const order = [0, 1, 2].map((i) => (i + round) % 3);
  const got: Partial<Record<"store" | "read" | "naive", Result>> = {};
  for (const which of order) {
    if (which === 0) got.store = runStore(rows, events, false);
    else if (which === 1) got.read = runStore(rows, events, true);
    else got.naive = runNaive(rows, events);
  }
  const want = JSON.stringify(got.naive!.final);
  if (JSON.stringify(got.store!.final) !== want || JSON.stringify(got.read!.final) !== want)
    throw new Error(`round ${round}: the variants disagree on the final list`);
  rounds.push(got as { store: Result; read: Result; naive: Result });
}
const summary = (pick: (r: (typeof rounds)[number]) => Result) => ({
  totalMs: median(rounds.map((r) => pick(r).totalMs)),
  p99Us: median(rounds.map((r) => pick(r).p99Us)),
  speedup: median(rounds.map((r) => r.naive.totalMs / pick(r).totalMs)),
});
const report = {
  rows: ROWS,
  events: EVENTS,
  rounds: ROUNDS,
  store: summary((r) => r.store),
  storeRead: summary((r) => r.read),
  naive: summary((r) => r.naive),
};
const line = (label: string, s: { totalMs: number; p99Us: number; speedup: number }) =>
  console.log(
    `${label.padEnd(28)} total ${s.totalMs.toFixed(1).padStart(8)} ms   p99/event ${s.p99Us.toFixed(1).padStart(8)} µs   ${s.speedup.toFixed(1).padStart(6)}× the baseline`,
  );
line("LiveListStore", report.store);
line("LiveListStore + read each", report.storeRead);
line("naive copy + re-sort", report.naive);
console.log(
  `target: ≥ 10× → ${report.store.speedup >= 10 ? "met" : "MISSED"} (${report.store.speedup.toFixed(1)}×, median of per-round ratios)`,
);
const json = process.argv.indexOf("--json");
if (json > 0) writeFileSync(process.argv[json + 1]!, JSON.stringify(report, null, 2));
