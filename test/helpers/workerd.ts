/**
 * workerd in tests, through miniflare: real D1 databases for the driver matrix (reached from Node
 * over their bindings), and Worker bundles run inside workerd and driven with `dispatchFetch`.
 *
 * One Miniflare per test file: the D1 pool starts it on first use and drivers.ts disposes it in the
 * file's afterAll; `startWorker` returns its own instance for the caller's afterAll to dispose.
 * miniflare is imported lazily, so test files that never touch workerd do not pay for loading it.
 * No vitest import here: bench/ uses the same helpers.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import type { D1Database } from "@cloudflare/workers-types";
import type { Miniflare, MiniflareOptions } from "miniflare";

/** D1 bindings declared per Miniflare: every connection of a test file gets a database of its own. */
const DATABASES_PER_INSTANCE = 128;

const bindingName = (i: number) => `DB${i}`;

/** A Worker that only holds bindings (the D1 pool's databases live in it). */
const IDLE_WORKER = "export default { fetch() { return new Response(null, { status: 404 }) } }";

async function createMiniflare(options: MiniflareOptions): Promise<Miniflare> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare(options);
  await mf.ready;
  return mf;
}

/** Hands out fresh in-memory D1 databases, one per connection, from one Miniflare per file. */
function createD1Pool() {
  let instance: Promise<Miniflare> | undefined;
  let next = 0;
  return {
    async acquire(): Promise<{ binding: D1Database; release(): Promise<void> }> {
      if (next >= DATABASES_PER_INSTANCE)
        throw new Error(
          `the D1 pool holds ${DATABASES_PER_INSTANCE} databases per test file; raise DATABASES_PER_INSTANCE`,
        );
      const name = bindingName(next++);
      for (let attempt = 1; ; attempt++) {
        instance ??= createMiniflare({
          modules: true,
          script: IDLE_WORKER,
          d1Databases: Object.fromEntries(
            Array.from({ length: DATABASES_PER_INSTANCE }, (_, i) => [bindingName(i), `covara-test-${i}`]),
          ),
        });
        try {
          const binding = await (await instance).getD1Database(name);
          // Databases are never reused: closing one only forgets it (the file's afterAll disposes all).
          return { binding: binding as unknown as D1Database, release: async () => {} };
        } catch (error) {
          if (attempt > 1) throw error;
          // Under heavy load the proxy between Node and workerd has been seen to drop (miniflare's
          // synchronous fetch fails an assertion) and not recover. Databases handed out before are
          // gone with it, but a fresh instance serves the file's later connections.
          console.warn(`[workerd] the D1 proxy failed (${String(error)}); starting a new Miniflare`);
          const broken = instance;
          instance = undefined;
          void broken.then((mf) => mf.dispose()).catch(() => {});
        }
      }
    },
    async dispose(): Promise<void> {
      const running = instance;
      instance = undefined;
      if (running) await (await running).dispose();
    },
  };
}

/** The file's D1 databases (drivers.ts disposes them in the file's afterAll). */
export const d1Databases = createD1Pool();

export interface BundleOptions {
  /** The Worker entry (a .ts file). */
  entry: string;
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/**
 * Resolves as wrangler does under nodejs_compat: Node built-ins, with or without `node:`, stay
 * imports of `node:<name>` for workerd to provide; `cloudflare:*` stays for workerd too.
 */
const workerdResolution = {
  name: "workerd-resolution",
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string }) => { path: string; external: boolean } | undefined,
    ): void;
  }) {
    build.onResolve({ filter: /^(node:|cloudflare:)?[a-z_/]+$/ }, ({ path }) => {
      if (path.startsWith("cloudflare:")) return { path, external: true };
      const name = path.replace(/^node:/, "");
      return BUILTINS.has(name) ? { path: `node:${name}`, external: true } : undefined;
    });
  },
};

/**
 * Bundles a Worker entry as wrangler does: ESM, workerd/worker/browser conditions, Node built-ins
 * left to workerd's nodejs_compat. Returns the code, every module the bundle still imports, and
 * the files it was built from.
 */
/** A module the bundle leaves to workerd, how it is reached and from which file. */
export interface ExternalImport {
  path: string;
  kind: string;
  importer: string;
}

export async function bundleWorker({ entry }: BundleOptions): Promise<{
  code: string;
  imports: ExternalImport[];
  inputs: string[];
  /** The bytes each input keeps in the output; an input tree shaking removed entirely is absent. */
  bytesOf: Record<string, number>;
}> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    plugins: [workerdResolution],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  // Every module left to workerd, whether imported or required (a require runs only if reached).
  const imports: ExternalImport[] = [];
  for (const [importer, input] of Object.entries(result.metafile.inputs)) {
    for (const item of input.imports) if (item.external) imports.push({ path: item.path, kind: item.kind, importer });
  }
  const bytesOf: Record<string, number> = {};
  for (const output of Object.values(result.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) bytesOf[input] = bytesInOutput;
  return { code: result.outputFiles[0]!.text, imports, inputs: Object.keys(result.metafile.inputs), bytesOf };
}

export interface RunningWorker {
  mf: Miniflare;
  /** A request to the Worker, answered inside workerd. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The Worker's HTTP address (for load tools). */
  url: URL;
  dispose(): Promise<void>;
}

export interface WorkerOptions {
  entry: string;
  d1?: string[];
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  port?: number;
}

/** Bundles `entry` and runs it in workerd with the given D1 bindings. */
export async function startWorker({
  entry,
  d1 = ["DB"],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  port,
}: WorkerOptions): Promise<RunningWorker> {
  const { code } = await bundleWorker({ entry });
  const mf = await createMiniflare({
    modules: [{ type: "ESModule", path: "worker.mjs", contents: code }],
    compatibilityDate,
    compatibilityFlags,
    d1Databases: d1,
    port,
  });
  const url = await mf.ready;
  return {
    mf,
    url,
    // Miniflare's fetch takes its own (undici) RequestInit; the shapes used here are the same.
    fetch: async (path, init) =>
      (await mf.dispatchFetch(new URL(path, "http://worker.test").toString(), init as never)) as unknown as Response,
    dispose: () => mf.dispose(),
  };
}

/** A path relative to the test tree, as a file path (entries are given relative to their test). */
export function testPath(relative: string, base: string): string {
  return fileURLToPath(new URL(relative, base));
}
