/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * and self time grouped by where the code lives (covara src, hono, drizzle-orm, node internals...).
 * Used by `npm run bench -- --profile`; also runnable on its own:
 * `node --import tsx bench/profile.ts <file.cpuprofile> [top N]`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = fileURLToPath(new URL("..", import.meta.url));

function shortUrl(url: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf("/node_modules/");
  if (inModules !== -1) return path.slice(inModules + "/node_modules/".length);
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** Where a function lives, for the grouped view. */
function area(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native/builtin)";
  if (url.startsWith("node:")) return "node internals";
  if (url.startsWith("src/")) return `covara ${url.split("/").slice(0, 2).join("/")}`;
  if (url.startsWith("bench/")) return "bench";
  const parts = url.split("/");
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function percent(part: number, total: number): string {
  return `${((100 * part) / total).toFixed(1)}%`.padStart(6);
}

/**
 * `after`: samples count from the first one whose stack holds a function of that name (skips a
 * server's start-up, module loading included, when only its steady work is of interest).
 */
export function summarizeProfile(file: string, top = 25, after?: string): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackHas = (id: number | undefined, name: string): boolean => {
    for (; id !== undefined; id = parentOf.get(id)) if (byId.get(id)!.callFrame.functionName === name) return true;
    return false;
  };
  let first = 0;
  if (after !== undefined) {
    while (first < profile.samples.length && !stackHas(profile.samples[first], after)) first++;
  }
  const selfByNode = new Map<number, number>();
  let total = 0;
  for (let i = first; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
    total += delta;
  }

  const byFunction = new Map<string, { label: string; self: number }>();
  const byArea = new Map<string, number>();
  let idle = 0;
  for (const [id, self] of selfByNode) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") idle += self;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : "";
    const label = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    const entry = byFunction.get(label) ?? { label, self: 0 };
    entry.self += self;
    byFunction.set(label, entry);
    const group = area(frame);
    byArea.set(group, (byArea.get(group) ?? 0) + self);
  }

  const busy = total - idle;
  const lines: string[] = [];
  lines.push(
    `total ${(total / 1000).toFixed(0)} ms sampled, busy ${(busy / 1000).toFixed(0)} ms (idle ${percent(idle, total).trim()})`,
  );
  lines.push(`\nself time by area (% of busy):`);
  for (const [group, self] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    if (group === "(idle)") continue;
    lines.push(`  ${percent(self, busy)}  ${group}`);
  }
  lines.push(`\ntop ${top} functions by self time (% of busy):`);
  for (const entry of [...byFunction.values()].sort((a, b) => b.self - a.self).slice(0, top + 1)) {
    if (entry.label.startsWith("(idle)")) continue;
    lines.push(`  ${percent(entry.self, busy)}  ${entry.label}`);
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: profile.ts <file.cpuprofile> [top N]");
    process.exit(2);
  }
  console.log(summarizeProfile(file, top ? Number(top) : 25));
}
