/** Runs the project's package manager install, streaming its output, and reports how it went. */
import { spawn } from "node:child_process";
import type { PackageManager } from "./options";

/** Resolves to the install's exit code (127 when the package manager is not on PATH). */
export function installDependencies(dir: string, pm: PackageManager, extraArgs: string[] = []): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(pm, ["install", ...extraArgs], {
      cwd: dir,
      stdio: "inherit",
      shell: process.platform === "win32",
    });
    child.once("error", () => resolve(127));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
