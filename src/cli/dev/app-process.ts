/**
 * App processes for `covara dev`: a runner (node dev-runner) is spawned ahead of time and warms up
 * (covara, the packages the app loaded last time, then the project's tsx); `start()` makes it
 * import the app and resolves once it listens, or rejects with what it printed (a syntax error, a
 * throwing import) so the watcher can show it and keep the previous one serving.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { covaraRoot } from "../package-root";

export interface AppProcess {
  port: number;
  /** Ends the process (graceful drain, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the process exits. */
  exited: Promise<number | null>;
}

export interface Runner {
  /** Imports `appFile` with `env` added to the runner's environment; resolves once it listens. */
  start(appFile: string, env?: Record<string, string>): Promise<AppProcess>;
  /** Ends a runner that will not be used. */
  discard(): void;
}

/**
 * How to start the runner: built (dist/cli/dev-runner.mjs) when covara runs from dist, plain Node;
 * else from its source (covara's own tests), under tsx.
 */
function runnerCommand(): string[] {
  const built = join(covaraRoot(), "dist/cli/dev-runner.mjs");
  const fromDist = import.meta.url.includes("/dist/");
  return fromDist && existsSync(built)
    ? ["--enable-source-maps", built]
    : ["--import", "tsx", "--enable-source-maps", join(covaraRoot(), "src/cli/dev-runner.ts")];
}

export interface RunnerEvents {
  /** Folders the app reloads by itself (file routes), whose changes need no restart. */
  onHotDirs?(dirs: string[]): void;
  /** The packages' files the app loaded, once it listens: what the next runners preload. */
  onPackages?(files: string[]): void;
}

export class AppStartError extends Error {
  constructor(
    readonly output: string,
    readonly exitCode: number | null,
  ) {
    super(`the app did not start (exit code ${exitCode})`);
    this.name = "AppStartError";
  }
}

/**
 * Spawns a runner in `projectDir` that warms up with `preload` (file URLs); its output goes to
 * `log` as it comes.
 */
export function spawnRunner(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  log: (text: string) => void,
  events: RunnerEvents = {},
  preload: readonly string[] = [],
): Runner {
  const child = spawn(process.execPath, runnerCommand(), {
    cwd: projectDir,
    env: { ...env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.send({ type: "warm", preload });
  let output = "";
  const relay = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    log(text);
  };
  child.stdout?.on("data", relay);
  child.stderr?.on("data", relay);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  const listening = new Promise<number>((resolve, reject) => {
    child.on("message", (message: { type?: string; port?: number; dirs?: unknown; packages?: unknown }) => {
      if (message.type === "listening" && typeof message.port === "number") {
        resolve(message.port);
        if (Array.isArray(message.packages))
          events.onPackages?.(message.packages.filter((file) => typeof file === "string"));
      }
      if (message.type === "hot-dirs" && Array.isArray(message.dirs))
        events.onHotDirs?.(message.dirs.filter((dir) => typeof dir === "string"));
    });
    void exited.then((code) => reject(new AppStartError(output, code)));
  });
  listening.catch(() => {});
  return {
    async start(appFile, appEnv) {
      // Output before start (warm-up) belongs to no app; what the app prints from here is its own.
      output = "";
      if (child.connected) child.send({ type: "start", app: appFile, env: appEnv });
      const port = await listening;
      return { port, exited, stop: (graceMs) => stop(child, exited, graceMs) };
    },
    discard: () => void stop(child, exited, 0),
  };
}

async function stop(child: ChildProcess, exited: Promise<number | null>, graceMs = 2_500): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(graceMs === 0 ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
