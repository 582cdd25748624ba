/**
 * Runs test/realtime/fixtures/live-server.ts as a child process and waits for its output lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** Resolves once the child printed `text`. */
  line(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the fixture with `env` and resolves once it listens. */
export async function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/realtime/fixtures/live-server.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters) if (stdout.includes(waiter.text)) waiter.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const line = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stdout.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void exited.then(() => reject(new Error(`child exited before "${text}"\nstdout: ${stdout}\nstderr: ${stderr}`)));
    });
  await line("LISTENING ");
  const url = /LISTENING (\S+)/.exec(stdout)![1]!;
  return {
    url,
    child,
    line,
    exited,
    output: () => `stdout: ${stdout}\nstderr: ${stderr}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
