/**
 * Generated projects for tests: `covara create` into a temp folder, with covara resolved to this
 * repository's src/ (tsconfig paths, which tsc and tsx both honour) and node_modules linked to the
 * repository's, so no install is needed.
 */
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./run";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** tsconfig `paths` sending covara and its subpaths to the repository's sources. */
export const covaraPaths = {
  covara: [join(repoRoot, "src/index.ts")],
  "covara/*": [join(repoRoot, "src/*/index.ts")],
};

/** Creates a project at `dir` with `flags` and links it to this repository. */
export async function createLinkedProject(dir: string, flags: string[] = []): Promise<void> {
  const result = await run("create", dir, "--no-install", ...flags);
  if (result.code !== 0) throw new Error(`covara create failed: ${result.stderr}`);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const tsconfigPath = join(dir, "tsconfig.json");
  const tsconfig = JSON.parse(readFileSync(tsconfigPath, "utf8"));
  tsconfig.compilerOptions.paths = covaraPaths;
  writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2));
}
