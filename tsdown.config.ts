/**
 * Build of the published package. The list of entries has one home: package.json's `exports`
 * map. Each subpath's `import` target `./dist/<name>.mjs` is built from `src/<name>.ts`, so adding
 * a public folder is one exports entry; `scripts/validate-exports.mjs` then checks the result.
 */
import { readFileSync } from "node:fs";
import { defineConfig } from "tsdown";

/** Entries that are built but reached through `bin/`, not through `exports`. */
const BIN_ENTRIES = ["cli/index", "cli/dev-runner"];

interface PackageJson {
  exports: Record<string, string | { import?: string }>;
}

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as PackageJson;

/** `./dist/server/index.mjs` → `server/index`; other targets (`./package.json`) are not built. */
function entryName(target: string): string | undefined {
  return /^\.\/dist\/(.+)\.mjs$/.exec(target)?.[1];
}

/**
 * The modules that register problem types when they load (every `src/<folder>/problems.ts`, and
 * the kernel's `errors.ts`) go to one chunk, `dist/problems-<hash>.mjs`. package.json's
 * `sideEffects` names it as the package's only file with side effects: a consumer's bundler may
 * drop any other chunk it does not use, and always keeps the registrations of the code it keeps
 * (docs/errors.md, "Bundling"; test/package/exports.test.ts checks both).
 */
const PROBLEM_MODULE = /[\\/]src[\\/](?:[a-z-]+[\\/]problems|kernel[\\/]errors)\.ts$/;

function entries(): Record<string, string> {
  const names = Object.values(pkg.exports)
    .map((target) => entryName(typeof target === "string" ? target : (target.import ?? "")))
    .filter((name): name is string => name !== undefined);
  return Object.fromEntries([...names, ...BIN_ENTRIES].map((name) => [name, `./src/${name}.ts`]));
}

export default defineConfig({
  entry: entries(),
  format: "esm",
  outDir: "dist",
  // Neutral, not node: everything except `covara/node` and the CLI must also run on Workers.
  platform: "neutral",
  // `.mjs` / `.d.mts` whatever the platform, as the exports map says.
  fixedExtension: true,
  dts: true,
  sourcemap: false,
  // Declarations come from tsc and dominate build time; that is expected, not worth a warning.
  checks: { pluginTimings: false },
  outputOptions: { codeSplitting: { groups: [{ name: "problems", test: PROBLEM_MODULE }] } },
  deps: {
    // Never inline a package: every bare import (hono, drizzle-orm, zod, database drivers, node:
    // builtins) stays an import and is resolved from the user's node_modules. The validator
    // checks each one is declared in dependencies or peerDependencies.
    neverBundle: [/^(?![./\\]|[A-Za-z]:[\\/]|\0)/],
  },
});
