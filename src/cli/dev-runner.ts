/**
 * The app process `covara dev` starts (under tsx). It loads covara and its dependencies first and
 * says "warm"; on "start" it imports the app module, serves it on a free loopback port and tells
 * the parent which. The parent keeps one warm runner in reserve, so a restart only pays for the
 * project's own files. SIGTERM drains it like production.
 */
import { pathToFileURL } from "node:url";
import { startServer, type FetchApp } from "../node";
import { DEV_HOST, type DevHost } from "../file-routes";
import { watchSources } from "./dev/watch";

const appFile = process.argv[2];
if (!appFile) throw new Error("dev-runner: expected the app module's path");

// What every app imports anyway: loading it now is what makes the reserve runner fast to start.
const warm = import("../index");
// Listen before warming up: a "start" sent meanwhile must not be lost.
process.on("message", (message: { type?: string }) => {
  if (message.type === "start") void warm.then(start);
});
await warm;
process.send?.({ type: "warm" });
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

async function start(): Promise<void> {
  const loaded: { default?: unknown; app?: unknown } = await import(pathToFileURL(appFile ?? "").href);
  const app = loaded.default ?? loaded.app;
  if (!isFetchApp(app)) {
    process.stderr.write(`${appFile} must export the covara app: \`export default app\` (or \`export const app\`).\n`);
    process.exit(1);
  }
  const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: { timeoutMs: 2_000 } });
  process.send?.({ type: "listening", port: server.port });
}

function isFetchApp(value: unknown): value is FetchApp {
  return typeof value === "object" && value !== null && "fetch" in value && typeof value.fetch === "function";
}
