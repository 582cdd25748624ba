/** The `covara` command line (`bin/covara`): `create`, `generate`, `dev`, `db`. */
export { runCli } from "./run-cli";
export type { CliIO } from "./run-cli";
