#!/usr/bin/env node
/**
 * Bundle-size budget of covara/client (esbuild, minified, then gzip): the core (resources and
 * subscriptions, no offline layer) ≤ 8 KB, with the offline layer ≤ 16 KB, and covara/client/react
 * adding ≤ 4 KB on top of the client it uses. It also checks that every bundle's inputs come from
 * src/client/ only, plus the cast adapter src/kernel/erased.ts (no server code, no node: modules;
 * React stays external). Exits 1 on a miss;
 * `--json` prints the measurements as JSON.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const client = "./src/client/index.ts";
const react = "./src/client/react/index.ts";

/** Entries measured: what an app importing that much would ship. */
const ENTRIES = {
  core: `import { createCoreClient, where } from "${client}";
    const c = createCoreClient({ baseUrl: "" });
    const users = c.resource("/api/users");
    export const run = () => [users.list({ filter: where().eq("a", 1) }), users.get(1), users.create({}), users.update(1, {}), users.delete(1), users.subscribe({}, {})];`,
  offline: `import { createClient, liveList } from "${client}";
    const c = createClient({ baseUrl: "", offline: true });
    export const run = () => [liveList(c, "/api/users"), c.resource("/api/users").list()];`,
  react: `import { createClient, liveList } from "${client}";
    import { CovaraProvider, useLiveList, useInfiniteList, useLiveAggregate, useMutation, useSearch, useAuth, useJWTAuth, useInvalidate, usePrefetch, useList, useCredits, useSubscription, useCheckout } from "${react}";
    const c = createClient({ baseUrl: "", offline: true });
    export const run = () => [liveList(c, "/x"), CovaraProvider, useLiveList, useInfiniteList, useLiveAggregate, useMutation, useSearch, useAuth, useJWTAuth, useInvalidate, usePrefetch, useList, useCredits, useSubscription, useCheckout];`,
};

const BUDGETS = { core: 8 * 1024, offline: 16 * 1024, reactAdds: 4 * 1024 };

async function measure(name, source) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: "ts", sourcefile: `${name}-entry.ts` },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    metafile: true,
    external: ["react", "react-dom"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  // Inputs that put code in the bundle (files only parsed and then tree-shaken away do not count).
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output.inputs)
    .filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && !input.endsWith("-entry.ts"))
    .map(([input]) => input);
  return { name, minified: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs };
}

const results = {};
for (const [name, source] of Object.entries(ENTRIES)) results[name] = await measure(name, source);

const problems = [];
for (const { name, inputs } of Object.values(results)) {
  for (const input of inputs) {
    const path = relative(root, join(root, input));
    // The one server-side module the client may use: the cast adapter, a function without imports.
    const allowed = path.startsWith("src/client/") || path === "src/kernel/erased.ts";
    if (!allowed || input.startsWith("node:")) problems.push(`${name} bundle pulls ${input}`);
  }
}
const reactAdds = results.react.gzip - results.offline.gzip;
if (results.core.gzip > BUDGETS.core) problems.push(`core is ${results.core.gzip} B gzip, over ${BUDGETS.core}`);
if (results.offline.gzip > BUDGETS.offline)
  problems.push(`with offline it is ${results.offline.gzip} B gzip, over ${BUDGETS.offline}`);
if (reactAdds > BUDGETS.reactAdds)
  problems.push(`covara/client/react adds ${reactAdds} B gzip, over ${BUDGETS.reactAdds}`);

const report = {
  core: { minified: results.core.minified, gzip: results.core.gzip, budget: BUDGETS.core },
  offline: { minified: results.offline.minified, gzip: results.offline.gzip, budget: BUDGETS.offline },
  react: { minified: results.react.minified, gzip: results.react.gzip, adds: reactAdds, budget: BUDGETS.reactAdds },
  inputs: Object.fromEntries(Object.values(results).map((r) => [r.name, r.inputs])),
  problems,
};
if (process.argv.includes("--json")) console.log(JSON.stringify(report));
else {
  for (const key of ["core", "offline"])
    console.log(
      `${key.padEnd(8)} ${report[key].gzip} B gzip (${report[key].minified} B minified), budget ${report[key].budget} B`,
    );
  console.log(
    `react    adds ${reactAdds} B gzip (${report.react.gzip} B with the offline client), budget ${BUDGETS.reactAdds} B`,
  );
  for (const problem of problems) console.error(`  - ${problem}`);
}
process.exit(problems.length ? 1 : 0);
