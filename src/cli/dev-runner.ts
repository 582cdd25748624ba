/**
 * The app process `covara dev` starts. It warms up first, before any TypeScript hook exists:
 * covara itself and the packages the app loaded last time (the parent sends their file URLs) are
 * imported by plain Node, which is several times cheaper than through a loader thread. Only then
 * does it register the project's tsx, and say "warm". On "start" it takes the app's environment,
 * imports the app module, serves it on a free loopback port and tells the parent which, and which
 * packages the app loaded (for the next runner's warm-up). The parent keeps one warm runner in
 * reserve, so a restart only pays for the project's own files. SIGTERM drains it like production.
 */
import { pathToFileURL } from "node:url";
import { startServer, type FetchApp } from "../node";
import { DEV_HOST, type DevHost } from "../file-routes";
import { watchSources } from "./dev/watch";
import { resolveEsm } from "./project/resolve-esm";

interface WarmMessage {
  type: "warm";
  /** Packages' files (file: URLs) the app loaded last time, in load order. */
  preload?: string[];
}

interface StartMessage {
  type: "start";
  app: string;
  /** What the parent learned after spawning this runner (the database's URL). */
  env?: Record<string, string>;
}

let warmed: Promise<void> | undefined;
/** node_modules files the app imported (or were preloaded), reported to the parent once it listens. */
const packageFiles = new Set<string>();

// Listen before anything else: messages sent while warming must not be lost.
process.on("message", (message: WarmMessage | StartMessage) => {
  if (message.type === "warm") warmed ??= warm(message.preload ?? []);
  if (message.type === "start") void (warmed ??= warm([])).then(() => start(message));
});
// The parent going away ends the runner (no orphan app processes).
process.on("disconnect", () => process.exit(0));

// File routes reload themselves on change (`app.fileRoutes`): they watch their folders through this
// host, and the parent is told not to restart the app for changes there.
const devHost: DevHost = {
  watch(dirs, onChange) {
    process.send?.({ type: "hot-dirs", dirs });
    watchSources("/", [...dirs], () => false, onChange);
  },
};
Reflect.set(globalThis, DEV_HOST, devHost);

async function warm(preload: string[]): Promise<void> {
  // What every app imports anyway, then what this app imported last time. A file that is gone or
  // fails is left to the app's own import, which will report it.
  await import("../index");
  for (const url of preload) {
    await import(url).then(
      () => packageFiles.add(url),
      () => {},
    );
  }
  await registerTypeScript();
  process.send?.({ type: "warm" });
}

interface TsxEsmApi {
  register(options: { onImport?: (url: string) => void }): unknown;
}
interface TsxCjsApi {
  register(): unknown;
}

/** The project's tsx, as `node --import tsx` would set it up (ESM and require hooks). */
async function registerTypeScript(): Promise<void> {
  // Run from covara's own sources (its tests), this file is TypeScript: tsx is loaded already.
  if (import.meta.url.endsWith(".ts")) return;
  const projectDir = process.cwd();
  const esmApi = resolveEsm(projectDir, "tsx/esm/api");
  const cjsApi = resolveEsm(projectDir, "tsx/cjs/api");
  if (!esmApi || !cjsApi) {
    process.stderr.write('tsx is not installed in this project: run "npm install -D tsx".\n');
    process.exit(1);
  }
  const esm = (await import(pathToFileURL(esmApi).href)) as TsxEsmApi;
  const cjs = (await import(pathToFileURL(cjsApi).href)) as TsxCjsApi;
  cjs.register();
  esm.register({
    onImport(url) {
      if (url.startsWith("file:") && url.includes("/node_modules/")) packageFiles.add(url.replace(/[?#].*$/, ""));
    },
  });
}

async function start(message: StartMessage): Promise<void> {
  Object.assign(process.env, message.env ?? {});
  const appFile = message.app;
  const loaded: { default?: unknown; app?: unknown } = await import(pathToFileURL(appFile).href);
  const app = loaded.default ?? loaded.app;
  if (!isFetchApp(app)) {
    process.stderr.write(`${appFile} must export the covara app: \`export default app\` (or \`export const app\`).\n`);
    process.exit(1);
  }
  const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: { timeoutMs: 2_000 } });
  process.send?.({ type: "listening", port: server.port, packages: [...packageFiles] });
}

function isFetchApp(value: unknown): value is FetchApp {
  return typeof value === "object" && value !== null && "fetch" in value && typeof value.fetch === "function";
}
