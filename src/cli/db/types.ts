/**
 * `covara db types`: the client's `.d.ts`, as `covara dev` writes it, without running dev: the app
 * is started once in a child process (the dev runner) on a loopback port, asked for its OpenAPI
 * document, and stopped.
 */
import { CliError } from "../output";
import { AppStartError, spawnRunner } from "../dev/app-process";
import { writeClientTypes } from "../project/client-types";

/** Writes the client types of the app in `appFile` to `target`; resolves to whether they changed. */
export async function generateClientTypes(
  projectDir: string,
  appFile: string,
  env: NodeJS.ProcessEnv,
  target: string,
): Promise<boolean> {
  let output = "";
  const runner = spawnRunner(projectDir, env, (text) => (output += text));
  let app: Awaited<ReturnType<typeof runner.start>>;
  try {
    app = await runner.start(appFile);
  } catch (error) {
    const printed = error instanceof AppStartError ? error.output : String(error);
    throw new CliError(
      `the app did not start, so its types cannot be read:\n${printed.trimEnd()}`,
      "Fix the error above (covara dev shows it too) and run covara db types again.",
    );
  }
  try {
    return await writeClientTypes(app.port, target);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    throw new CliError(
      `could not read the app's OpenAPI document: ${error instanceof Error ? error.message : String(error)}${cause}\n${output.trimEnd()}`,
      "Check that the app starts with covara dev, then run covara db types again.",
    );
  } finally {
    await app.stop(0);
  }
}
