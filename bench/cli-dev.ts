/**
 * `covara dev` against `tsx watch` on the generated app (covara create, linked to this
 * repository's sources): cold start to the first 200, a schema edit to the new column being
 * served (dev only: tsx watch does not touch the database), and a source edit to the restarted
 * app answering. Both run the same project in the same run, one after the other, each pinned to
 * one core. Run: node --import tsx bench/cli-dev.ts [rounds]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinkedProject, repoRoot } from "../test/cli/helpers/project";

const rounds = Number(process.argv[2] ?? 3);

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
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function launch(command: string[], cwd: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn("taskset", ["-c", "1", process.execPath, ...command], {
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

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "covara-bench-dev-"));
  const dir = join(root, "bench-app");
  await createLinkedProject(dir);
  const schemaFile = join(dir, "src/schema.ts");
  const appFile = join(dir, "src/app.ts");
  const results: Record<string, number[]> = { devCold: [], devSchema: [], devSource: [], tsxCold: [], tsxSource: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      // covara dev
      const devPort = await freePort();
      const list = async (port: number) => (await fetch(`http://127.0.0.1:${port}/api/todos`)).text();
      let t = performance.now();
      const dev = launch(
        [
          "--import",
          "tsx",
          join(repoRoot, "test/cli/helpers/cli-main.ts"),
          "dev",
          "--port",
          String(devPort),
          "--host",
          "127.0.0.1",
          "--no-typecheck",
        ],
        dir,
        {},
      );
      await until(async () => (await fetch(`http://127.0.0.1:${devPort}/api/todos`)).status === 200);
      results.devCold?.push(performance.now() - t);
      await fetch(`http://127.0.0.1:${devPort}/api/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"title":"x"}',
      });
      const column = `c${round}`;
      t = performance.now();
      writeFileSync(
        schemaFile,
        readFileSync(schemaFile, "utf8").replace(
          'title: text("title").notNull(),',
          `title: text("title").notNull(),\n  ${column}: text("${column}"),`,
        ),
      );
      await until(async () => (await list(devPort)).includes(`"${column}"`));
      results.devSchema?.push(performance.now() - t);
      await until(() => dev.output().includes("restarted in"));
      const restartsBefore = dev.output().split("restarted in").length;
      t = performance.now();
      appendFileSync(appFile, `// edit ${round}\n`);
      await until(() => dev.output().split("restarted in").length > restartsBefore);
      results.devSource?.push(performance.now() - t);
      await stop(dev.child);

      // tsx watch on the production entry
      const tsxPort = await freePort();
      t = performance.now();
      const tsx = launch(
        [join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "watch", "--clear-screen=false", "src/server.ts"],
        dir,
        { PORT: String(tsxPort), DATABASE_URL: `file:${join(dir, "data.db")}` },
      );
      await until(async () => (await fetch(`http://127.0.0.1:${tsxPort}/api/todos`)).status === 200);
      results.tsxCold?.push(performance.now() - t);
      const startsBefore = tsx.output().split("listening on").length;
      t = performance.now();
      appendFileSync(appFile, `// tsx edit ${round}\n`);
      await until(() => tsx.output().split("listening on").length > startsBefore);
      await until(async () => (await fetch(`http://127.0.0.1:${tsxPort}/api/todos`)).status === 200);
      results.tsxSource?.push(performance.now() - t);
      await stop(tsx.child);
      console.log(
        `round ${round + 1}: ${Object.entries(results)
          .map(([name, values]) => `${name} ${Math.round(values.at(-1) ?? 0)} ms`)
          .join(", ")}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, Math.round(median(values))]));
  console.log(`median of ${rounds}: ${JSON.stringify(m)}`);
  console.log(
    `dev source restart / tsx watch restart: ${((m.devSource ?? 0) / (m.tsxSource ?? 1)).toFixed(2)}x; dev cold / tsx cold: ${((m.devCold ?? 0) / (m.tsxCold ?? 1)).toFixed(2)}x`,
  );
}

await main();
