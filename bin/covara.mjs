#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript in src/cli, built by `npm run build` to dist/cli/index.mjs.
const entry = new URL("../dist/cli/index.mjs", import.meta.url);

let cli;
try {
  cli = await import(entry.href);
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(entry.pathname)) {
    console.error("covara: the CLI is not built; run `npm run build` in the covara package first.");
    process.exit(1);
  }
  throw error;
}

// exitCode rather than process.exit(): lets piped stdout flush before the process ends.
process.exitCode = await cli.runCli(process.argv.slice(2));
