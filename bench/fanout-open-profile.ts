/**
 * Profiles only the opening of subscriptions: the fan-out bench's covara server under
 * `node --cpu-prof`, `--count` streams opened `--rounds` times (closed in between), then the
 * server is stopped and its profile summarised (top self time, time by area). Optional
 * `--path` (default: the open-cost bench's filter + snapshot subscription).
 *
 *   COVARA_BENCH_BUILT=1 node --import tsx bench/fanout-open-profile.ts [--count 2000] [--rounds 5] [--path /__bench/sse] [--top 40] [--after parserOnIncoming]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { OPEN_PATHS } from "./fanout-open";
import { summarizeProfile } from "./profile";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = fileURLToPath(new URL("./.tmp/open-profile", import.meta.url));
const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1]!;
};
const count = Number(arg("count", "2000"));
const rounds = Number(arg("rounds", "5"));
const path = arg("path", OPEN_PATHS.covara);
const top = Number(arg("top", "40"));
// Samples before the first request are the server's start-up (module loading): left out.
const after = arg("after", "parserOnIncoming");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const server = spawn(
  "taskset",
  ["-c", "1", process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", "tsx", "bench/fanout-server.ts"],
  {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let url = "";
for await (const line of createInterface({ input: server.stdout! })) {
  const match = /^LISTENING (\S+)/.exec(line);
  if (match) {
    url = match[1]!;
    break;
  }
}

function clients(): { child: ChildProcess; ask(message: object, reply: string): Promise<any> } {
  const child = spawn("taskset", ["-c", "0", process.execPath, "--import", "tsx", "bench/fanout-clients.ts"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<string, (message: any) => void>();
  child.on("message", (message: { type: string }) => waiting.get(message.type)?.(message));
  const ask = (message: object, reply: string) => {
    const answer = new Promise((resolve) => waiting.set(reply, resolve));
    if (Object.keys(message).length > 0) child.send(message);
    return answer;
  };
  return { child, ask };
}

for (let round = 0; round < rounds; round++) {
  const subscribers = clients();
  await subscribers.ask({}, "ready");
  const opened = await subscribers.ask({ type: "open", port: Number(new URL(url).port), path, count }, "opened");
  console.log(`round ${round + 1}: opened ${opened.count}`);
  await sleep(200);
  await subscribers.ask({ type: "close" }, "closed");
  subscribers.child.kill();
  await sleep(1000);
}
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));
const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
console.log(file ? summarizeProfile(join(dir, file), top, after) : "no profile written");
