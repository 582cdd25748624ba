/** The CLI from source, as a process (`node --import tsx test/cli/helpers/cli-main.ts dev`). */
import { runCli } from "../../../src/cli";

process.exitCode = await runCli(process.argv.slice(2));
