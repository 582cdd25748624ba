/**
 * Generated projects for tests: `covara create` into a temp folder, with covara resolved to this
 * repository's src/ (tsconfig paths, which tsc and tsx both honour) and node_modules linked to the
 * repository's, so no install is needed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

/**
 * Creates a project at `dir` as a user gets it from npm: covara from the tarball `npm pack` makes
 * of this repository's build (dist/, bin/, templates/) as a real folder in node_modules, every
 * other package linked from the repository's node_modules. `npm run build` must have run.
 */
export async function createPackedProject(dir: string, flags: string[] = []): Promise<void> {
  const result = await run("create", dir, "--no-install", ...flags);
  if (result.code !== 0) throw new Error(`covara create failed: ${result.stderr}`);
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(join(repoRoot, "node_modules"))) {
    if (entry === "covara" || entry === ".package-lock.json") continue;
    symlinkSync(join(repoRoot, "node_modules", entry), join(modules, entry), "dir");
  }
  const packed = mkdtempSync(join(tmpdir(), "covara-pack-"));
  try {
    execFileSync("npm", ["pack", "--pack-destination", packed], { cwd: repoRoot, stdio: "pipe" });
    const tarball = readdirSync(packed).find((file) => file.endsWith(".tgz")) ?? "";
    mkdirSync(join(modules, "covara"));
    // npm installs a tarball's package/ folder as node_modules/<name>.
    execFileSync("tar", ["xzf", join(packed, tarball), "-C", join(modules, "covara"), "--strip-components=1"]);
  } finally {
    rmSync(packed, { recursive: true, force: true });
  }
}
