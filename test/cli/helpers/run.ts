/** Runs the CLI in-process with captured output. */
import { runCli } from "../../../src/cli";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(...argv: string[]): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}
