/**
 * Type errors while developing: the project's own `tsc --watch --noEmit` (incremental, so each
 * edit costs little) beside the server. Errors are printed with file:line:col; the server is
 * never held back by them (tsx strips types), so the loop stays fast.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

/** Starts the checker; returns a stop function, or undefined when typescript is not installed. */
export function startTypecheck(projectDir: string, print: (text: string) => void): (() => void) | undefined {
  let tsc: string;
  try {
    tsc = createRequire(join(projectDir, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
  const child = spawn(process.execPath, [tsc, "--noEmit", "--watch", "--preserveWatchOutput", "--pretty", "false"], {
    cwd: projectDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffered = "";
  let lastSummary = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (/error TS\d+/.test(line) || /^\s{2,}\S/.test(line)) print(`${line}\n`);
      const summary = /Found (\d+) errors?/.exec(line);
      if (summary) {
        // "Found 0 errors" is worth saying only right after errors were shown.
        if (summary[1] !== "0" || (lastSummary !== "" && lastSummary !== "0"))
          print(`typecheck: ${summary[1]} error(s)\n`);
        lastSummary = summary[1] ?? "";
      }
    }
  });
  child.stderr.resume();
  return () => child.kill("SIGTERM");
}
