/**
 * The Workers entry bundles for workerd. Covara targets Workers with `nodejs_compat` (the spec's
 * wrangler.toml sets it). Bundling resolves as wrangler does (test/helpers/workerd.ts), and:
 *
 * - every Node built-in the bundle imports statically, or that covara's own code imports at all,
 *   is one workerd provides under nodejs_compat (checked against workerd itself: it refuses to
 *   start on a missing one, e.g. `node:os`, `node:tty`, `node:child_process`);
 * - no package that needs a native addon or a raw TCP client is bundled;
 * - the one lazy exception is ioredis, reached only by `createRedisKV()` through a dynamic import
 *   (a Worker uses the Durable Object KV instead): its `require`s of `node:os` and `node:tty` run
 *   only if it is loaded. Any other module outside nodejs_compat fails the test;
 * - and none of ioredis, nor covara's Redis KV and Redis task queue, is in the output: esbuild
 *   walks them (they are in the metafile's inputs) but a Worker that never calls `createKV` or
 *   `createRedisKV` keeps not one byte of them.
 *
 * worker.test.ts then runs the same bundle inside workerd, the final word on whether it loads.
 */
import { describe, expect, it } from "vitest";
import { bundleWorker, testPath, type ExternalImport } from "../helpers/workerd";

/** Node built-ins workerd implements under nodejs_compat at compatibility date 2025-09-01. */
const NODEJS_COMPAT = new Set([
  "assert",
  "async_hooks",
  "buffer",
  "crypto",
  "diagnostics_channel",
  "dns",
  "events",
  "fs",
  "fs/promises",
  "http",
  "https",
  "module",
  "net",
  "path",
  "process",
  "querystring",
  "stream",
  "stream/web",
  "string_decoder",
  "timers",
  "tls",
  "url",
  "util",
  "zlib",
]);

/** Packages that cannot run in a Worker at all (native addons, raw TCP clients); they must never be bundled. */
const NODE_ONLY_PACKAGES = [
  "better-sqlite3",
  "pg",
  "postgres",
  "smtp-server",
  "@libsql/client",
  "bullmq",
  "@electric-sql/pglite",
];

/** covara's Redis adapters: the KV (src/kv/redis*.ts) and the task queue's scripts (src/tasks/redis-*.ts). */
const REDIS_ADAPTERS = /src\/(kv|tasks)\/redis[^/]*\.ts$/;

/** ioredis and what it alone pulls in: loaded only by createRedisKV() (see the header). */
const LAZY_REDIS = /node_modules\/(ioredis|debug|supports-color|has-flag)\//;

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

function unsupported(imports: readonly ExternalImport[]): string[] {
  return imports
    .filter(
      ({ path }) => !path.startsWith("cloudflare:") && !(path.startsWith("node:") && NODEJS_COMPAT.has(path.slice(5))),
    )
    .filter(({ kind, importer }) => !(kind === "require-call" && LAZY_REDIS.test(importer)))
    .map(({ path, kind, importer }) => `${path} (${kind} from ${importer})`);
}

describe("the Workers bundle", () => {
  for (const fixture of ["app-worker.ts", "helper-worker.ts"]) {
    it(`${fixture} leaves only Node built-ins that nodejs_compat provides, and bundles no Node-only package`, async () => {
      const { imports, inputs } = await bundleWorker({ entry: testPath(`./fixtures/${fixture}`, import.meta.url) });
      expect(unsupported(imports)).toEqual([]);
      const packages = new Set(inputs.map(packageOf));
      expect(NODE_ONLY_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
      // covara/node and the CLI (node:http, the file system) are never part of a Worker.
      expect(inputs.filter((input) => input.includes("src/node/") || input.includes("src/cli/"))).toEqual([]);
    });
  }

  for (const fixture of ["app-worker.ts", "helper-worker.ts"]) {
    it(`${fixture} keeps no byte of ioredis nor of the Redis KV and task adapters`, async () => {
      const { bytesOf, inputs } = await bundleWorker({ entry: testPath(`./fixtures/${fixture}`, import.meta.url) });
      const kept = Object.entries(bytesOf)
        .filter(([input, bytes]) => bytes > 0 && (LAZY_REDIS.test(input) || REDIS_ADAPTERS.test(input)))
        .map(([input, bytes]) => `${input} (${bytes} bytes)`);
      expect(kept).toEqual([]);
      // The check bites: esbuild reads them (metafile inputs), only tree shaking leaves them out.
      expect(inputs.some((input) => /node_modules\/ioredis\//.test(input))).toBe(true);
      expect(inputs.some((input) => REDIS_ADAPTERS.test(input))).toBe(true);
    });
  }

  it("catches a module workerd cannot load", () => {
    const imports: ExternalImport[] = [
      { path: "node:child_process", kind: "import-statement", importer: "src/x.ts" },
      { path: "node:os", kind: "require-call", importer: "node_modules/some-lib/index.js" },
      { path: "node:crypto", kind: "import-statement", importer: "src/y.ts" },
    ];
    expect(unsupported(imports)).toEqual([
      "node:child_process (import-statement from src/x.ts)",
      "node:os (require-call from node_modules/some-lib/index.js)",
    ]);
  });
});
