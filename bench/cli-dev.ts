/**
 * `covara dev` against `tsx watch` on the generated app as a user has it: `covara create`, with
 * covara installed from the tarball `npm pack` makes of this repository's build (run
 * `npm run build` first), started through its bin as `npx covara dev` does. Cold start to the
 * first 200, a schema edit to the new column being served (dev only: tsx watch does not touch the
 * database), and a source edit to the restarted app answering. Both run the same project in the
 * same run, one after the other. Besides wall time, each phase's CPU time (the process tree's
 * user + system) is reported: it barely moves with the machine's load, wall time does.
 * The very first `covara dev` of a new project (empty database, nothing cached) is measured once,
 * apart from the rounds. Run: node --import tsx bench/cli-dev.ts [rounds] [--pin]
 * (--pin runs everything on one core).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createPackedProject } from "../test/cli/helpers/project";

const rounds = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 3);
const pin = process.argv.includes("--pin");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(probe)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** CPU time (ms) of `pid` and its descendants, living and reaped (Linux /proc). */
function treeCpuMs(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      // After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from state.
      const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (candidate: number): boolean => {
    for (let current = candidate; current > 1; current = stats.get(current)?.ppid ?? 0)
      if (current === pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [candidate, stat] of stats) if (inTree(candidate)) ticks += stat.ticks;
  return ticks * 10;
}

function launch(command: string[], cwd: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let output = "";
  const [file, args] = pin ? ["taskset", ["-c", "1", process.execPath, ...command]] : [process.execPath, command];
  const child = spawn(file, args as string[], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

type Phase = "devCold" | "devSchema" | "devSource" | "tsxCold" | "tsxSource";
const wall: Record<Phase, number[]> = { devCold: [], devSchema: [], devSource: [], tsxCold: [], tsxSource: [] };
const cpu: Record<Phase, number[]> = { devCold: [], devSchema: [], devSource: [], tsxCold: [], tsxSource: [] };

/** Times `work` in wall and tree CPU ms; `pid` is read after `work` starts it, if need be. */
async function phase(name: Phase | undefined, pid: () => number, work: () => Promise<void>, cpuBefore?: number) {
  const before = cpuBefore ?? treeCpuMs(pid());
  const t = performance.now();
  await work();
  const result = { wall: performance.now() - t, cpu: treeCpuMs(pid()) - before };
  if (name) {
    wall[name].push(result.wall);
    cpu[name].push(result.cpu);
  }
  return result;
}

function startDev(dir: string, port: number) {
  return launch(
    [
      join(dir, "node_modules/covara/bin/covara.mjs"),
      "dev",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--no-typecheck",
    ],
    dir,
    {},
  );
}

const status = async (port: number) => (await fetch(`http://127.0.0.1:${port}/api/todos`)).status;
const list = async (port: number) => (await fetch(`http://127.0.0.1:${port}/api/todos`)).text();

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "covara-bench-dev-"));
  const dir = join(root, "bench-app");
  await createPackedProject(dir);
  const schemaFile = join(dir, "src/schema.ts");
  const appFile = join(dir, "src/app.ts");
  const loads: number[] = [];
  try {
    {
      const port = await freePort();
      let dev: ReturnType<typeof launch> | undefined;
      const first = await phase(
        undefined,
        () => dev?.child.pid ?? 0,
        async () => {
          dev = startDev(dir, port);
          await until(async () => (await status(port)) === 200);
        },
        0,
      );
      console.log(`first start (empty database, nothing cached): ${Math.round(first.wall)} ms, cpu ${first.cpu} ms`);
      if (dev) await stop(dev.child);
    }
    for (let round = 0; round < rounds; round++) {
      loads.push(loadavg()[0] ?? 0);
      const devPort = await freePort();
      let dev: ReturnType<typeof launch> | undefined;
      const devPid = () => dev?.child.pid ?? 0;
      await phase(
        "devCold",
        devPid,
        async () => {
          dev = startDev(dir, devPort);
          await until(async () => (await status(devPort)) === 200);
        },
        0,
      );
      if (!dev) throw new Error("no dev process");
      const running = dev;
      await fetch(`http://127.0.0.1:${devPort}/api/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"title":"x"}',
      });
      // Let the reserve runner finish warming: a developer does not edit within the first second.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const column = `c${round}`;
      await phase("devSchema", devPid, async () => {
        writeFileSync(
          schemaFile,
          readFileSync(schemaFile, "utf8").replace(
            'title: text("title").notNull(),',
            `title: text("title").notNull(),\n  ${column}: text("${column}"),`,
          ),
        );
        await until(async () => (await list(devPort)).includes(`"${column}"`));
      });
      await until(() => running.output().includes("restarted in"));
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const restartsBefore = running.output().split("restarted in").length;
      await phase("devSource", devPid, async () => {
        appendFileSync(appFile, `// edit ${round}\n`);
        await until(() => running.output().split("restarted in").length > restartsBefore);
      });
      await stop(running.child);

      // tsx watch on the production entry
      const tsxPort = await freePort();
      let tsx: ReturnType<typeof launch> | undefined;
      const tsxPid = () => tsx?.child.pid ?? 0;
      await phase(
        "tsxCold",
        tsxPid,
        async () => {
          tsx = launch(
            [join(dir, "node_modules/tsx/dist/cli.mjs"), "watch", "--clear-screen=false", "src/server.ts"],
            dir,
            { PORT: String(tsxPort), DATABASE_URL: `file:${join(dir, "data.db")}` },
          );
          await until(async () => (await status(tsxPort)) === 200);
        },
        0,
      );
      if (!tsx) throw new Error("no tsx process");
      const watching = tsx;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const startsBefore = watching.output().split("listening on").length;
      await phase("tsxSource", tsxPid, async () => {
        appendFileSync(appFile, `// tsx edit ${round}\n`);
        await until(() => watching.output().split("listening on").length > startsBefore);
        await until(async () => (await status(tsxPort)) === 200);
      });
      await stop(watching.child);
      console.log(
        `round ${round + 1} (load ${loads.at(-1)?.toFixed(1)}): ${(Object.keys(wall) as Phase[])
          .map((name) => `${name} ${Math.round(wall[name].at(-1) ?? 0)} ms (cpu ${cpu[name].at(-1)})`)
          .join(", ")}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const summary = (values: Record<Phase, number[]>) =>
    Object.fromEntries(Object.entries(values).map(([name, list]) => [name, Math.round(median(list))])) as Record<
      Phase,
      number
    >;
  const m = summary(wall);
  const c = summary(cpu);
  console.log(
    `median of ${rounds} (load ${loads.map((load) => load.toFixed(1)).join(", ")}${pin ? ", one core" : ""}):`,
  );
  console.log(`  wall ms ${JSON.stringify(m)}`);
  console.log(`  cpu ms  ${JSON.stringify(c)}`);
  console.log(
    `dev/tsx watch: restart ${(m.devSource / m.tsxSource).toFixed(2)}x wall, ${(c.devSource / c.tsxSource).toFixed(2)}x cpu; cold ${(m.devCold / m.tsxCold).toFixed(2)}x wall, ${(c.devCold / c.tsxCold).toFixed(2)}x cpu`,
  );
}

await main();
