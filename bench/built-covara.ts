/**
 * covara as users run it: the package's build (dist/), for the benches that compare covara with a
 * hand-written handler. The benches themselves run through tsx, and tsx compiles with esbuild's
 * `keepNames`: every named function made per request (a closure in a middleware, a callback) is
 * wrapped in a call that defines its `name`, work the build does not have. Measured on the driver
 * bench, the sources through tsx were ~6 % slower than the build. The hand-written handler's own
 * per-request code lives in node_modules, which tsx leaves as it is.
 *
 * `npm run bench:drivers` builds first; run `npm run build` before calling a bench script directly.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

function assertFreshBuild(): void {
  const entry = join(root, "dist/index.mjs");
  if (!existsSync(entry)) throw new Error("dist/ is missing: run `npm run build` first");
  if (newest(join(root, "src")) > statSync(entry).mtimeMs)
    throw new Error("dist/ is older than src/: run `npm run build` first");
}

assertFreshBuild();
const load = (path: string) => import(pathToFileURL(join(root, path)).href);

export const { createCovara } = (await load("dist/index.mjs")) as typeof import("../src");
export const { startServer } = (await load("dist/node/index.mjs")) as typeof import("../src/node");
