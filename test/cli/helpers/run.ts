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

/**
 * Runs the CLI in-process with `dir` as the working directory (commands read covara.config.ts from
 * it) and `env` over process.env; DATABASE_URL and COVARA_DB_PROFILE are unset unless given.
 */
export async function runInDir(dir: string, argv: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const previousDir = process.cwd();
  const saved = { DATABASE_URL: process.env.DATABASE_URL, COVARA_DB_PROFILE: process.env.COVARA_DB_PROFILE };
  delete process.env.DATABASE_URL;
  delete process.env.COVARA_DB_PROFILE;
  Object.assign(process.env, env);
  process.chdir(dir);
  try {
    return await run(...argv);
  } finally {
    process.chdir(previousDir);
    for (const key of Object.keys(env)) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}
