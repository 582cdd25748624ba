/**
 * `npm run build` once per test run, for the files that test the built package (the exports check
 * and the CLI's acceptance run). Two files building at once would both write dist/, and one
 * could pack or import the other's half-written output; building twice also doubles the most
 * expensive set-up of the suite. The first file to ask builds while holding a lock; the others
 * wait for it and reuse its build. "Once per run": test files run in child processes of one
 * Vitest process, whose pid names the run.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const run = `${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}-${process.ppid}`;
const lock = join(tmpdir(), `covara-test-build-${run}.lock`);
const done = join(tmpdir(), `covara-test-build-${run}.done`);

/** Builds the package (dist/) unless this run already has; throws with npm's output when the build fails. */
export async function buildPackageOnce(): Promise<void> {
  for (;;) {
    if (existsSync(done)) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another file of this run is building: wait for it.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (existsSync(done)) return;
    await promisify(execFile)("npm", ["run", "build"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`npm run build failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    writeFileSync(done, new Date().toISOString());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
