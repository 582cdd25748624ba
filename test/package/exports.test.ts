/**
 * The published shape of the package: build it, then resolve every subpath by the package's own
 * name from a fresh Node process (through package.json's exports map, as a user would), check
 * the types resolve for a NodeNext consumer, run the bin, and prove the export check bites.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackageOnce } from "../helpers/package-build";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  exports: Record<string, unknown>;
};

/** Each public subpath and names it must export; a new folder adds one line here. */
const EXPECTED_EXPORTS: Record<string, string[]> = {
  covara: [
    "createCovara",
    "useResource",
    "ProblemError",
    "isShuttingDown",
    "onShutdown",
    "rsql",
    "defineProcedure",
    "requireUser",
    "createSqliteFts5Search",
    "createPostgresSearch",
    "createMemorySearch",
    "createOpenSearch",
    "drainSearchOutboxes",
    "trackMutations",
    "recordExternalMutation",
    "createRealtime",
    "defineProblemTypes",
    "PROBLEM_TYPES",
    "createEnv",
    "envVariable",
    "usePublicEnv",
    "initializeStorage",
  ],
  "covara/server": ["createCovara", "isShuttingDown", "onShutdown"],
  "covara/node": ["startServer"],
  "covara/kv": ["createMemoryKV", "createKV", "createRedisKV"],
  "covara/db": ["pushTables", "defineInternalSchema", "migrateInternal", "authSessionsSqlite", "authSessionsPg"],
  "covara/tasks": ["defineTask", "getTaskRegistry", "initializeTasks", "getTaskScheduler", "startTaskWorkers"],
  "covara/auth": [
    "useAuth",
    "cookieSession",
    "jwtSession",
    "requireUser",
    "createJWTAdapter",
    "createAuthJsAdapter",
    "createPassportAdapter",
    "signJwt",
    "verifyJwt",
    "securityHeaders",
    "csrfProtection",
    "mfa",
    "passkeys",
    "magicLinks",
    "emailVerification",
    "passwordReset",
    "fromPassport",
    "signJWT",
    "verifyJWT",
    "AUTH_PROBLEM_TYPES",
  ],
  "covara/oidc": ["createOIDCProvider", "OIDC_PROBLEM_TYPES", "escapeHtml"],
  "covara/env": ["createEnv", "envVariable", "usePublicEnv", "EnvValidationError"],
  "covara/email": [
    "setGlobalEmail",
    "sendEmail",
    "sendEmailBatch",
    "createEmail",
    "createResendAdapter",
    "createCloudflareEmailAdapter",
    "createDevelopmentEmailAdapter",
    "EmailProviderError",
    "EMAIL_PROBLEM_TYPES",
  ],
  "covara/email/smtp": ["createSmtpAdapter"],
  "covara/htmx": ["Live", "createLivePages", "HTMX_VERSION", "HTMX_INTEGRITY", "HTMX_PROBLEM_TYPES"],
  "covara/billing": [
    "createBilling",
    "createBillingRouter",
    "createCreditsLedger",
    "createStripeAdapter",
    "createLemonSqueezyAdapter",
    "createPaddleAdapter",
    "createPolarAdapter",
    "BILLING_PROBLEM_TYPES",
  ],
  "covara/data-service": ["createDataService", "DATA_SERVICE_PROBLEM_TYPES"],
  "covara/observability": [
    "createObservabilityLog",
    "getObservabilityLog",
    "setAdminAuditSink",
    "createKVObservabilityAdapter",
  ],
  "covara/middleware": ["apiVersion", "idempotency", "rateLimit", "MIDDLEWARE_PROBLEM_TYPES"],
  "covara/files": [
    "initializeStorage",
    "createLocalStorage",
    "createMemoryStorage",
    "createS3Storage",
    "files",
    "signRequest",
    "presignUrl",
    "FILES_PROBLEM_TYPES",
  ],
  "covara/workers": ["createWorker"],
  "covara/client": [
    "createClient",
    "getOrCreateClient",
    "CovaraClientError",
    "where",
    "liveList",
    "JWTClient",
    "OIDCClient",
    "initJWTClient",
    "memoryTokenStorage",
    "indexedDbQueueStorage",
  ],
  "covara/client/react": [
    "CovaraProvider",
    "useLiveList",
    "useInfiniteList",
    "useLiveAggregate",
    "useMutation",
    "useSearch",
    "useAuth",
    "useJWTAuth",
    "useInvalidate",
    "usePrefetch",
    "initJWTClient",
    "usePublicEnv",
    "useCredits",
    "useSubscription",
    "useCheckout",
  ],
};

let consumer: string;

/** Runs an ES module snippet in a fresh Node process inside the consumer project. */
function runModule(code: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: consumer, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  // Built once per run, shared with the CLI's acceptance run (helpers/package-build.ts).
  await buildPackageOnce();
  // A project that depends on covara the way npm would lay it out.
  consumer = mkdtempSync(join(tmpdir(), "covara-consumer-"));
  mkdirSync(join(consumer, "node_modules", ".bin"), { recursive: true });
  symlinkSync(root, join(consumer, "node_modules", "covara"), "dir");
  symlinkSync("../covara/bin/covara.mjs", join(consumer, "node_modules", ".bin", "covara"));
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
}, 180_000);

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe("package exports", () => {
  it("lists exactly the expected public subpaths", () => {
    const subpaths = Object.keys(EXPECTED_EXPORTS).map((name) => name.replace(/^covara/, "."));
    expect(Object.keys(pkg.exports).sort()).toEqual([...subpaths, "./package.json"].sort());
  });

  it("resolves every subpath by name in a fresh Node process, with its named exports", () => {
    const specifiers = Object.keys(EXPECTED_EXPORTS);
    const { status, stdout, stderr } = runModule(`
      const found = {};
      for (const specifier of ${JSON.stringify(specifiers)}) {
        const url = import.meta.resolve(specifier);
        found[specifier] = { url, names: Object.keys(await import(specifier)) };
      }
      console.log(JSON.stringify(found));
    `);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const found = JSON.parse(stdout) as Record<string, { url: string; names: string[] }>;
    for (const [specifier, names] of Object.entries(EXPECTED_EXPORTS)) {
      // Resolved through the exports map into dist/, never into src/.
      expect(found[specifier]?.url, specifier).toMatch(/\/dist\/.*\.mjs$/);
      expect(found[specifier]?.names, specifier).toEqual(expect.arrayContaining(names));
    }
  });

  it("keeps internal folders private", () => {
    const { status, stderr } = runModule(`await import("covara/resource");`);
    expect(status).not.toBe(0);
    expect(stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });

  it("serves package.json and starts a server from the built covara/node", () => {
    const { status, stdout, stderr } = runModule(`
      import { createRequire } from "node:module";
      import { startServer } from "covara/node";
      const { version } = createRequire(import.meta.url)("covara/package.json");
      const server = await startServer({ fetch: () => new Response("built ok") }, { port: 0, hostname: "127.0.0.1", shutdown: false });
      const body = await (await fetch(server.url)).text();
      await server.close();
      console.log(JSON.stringify({ version, body }));
    `);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ version: pkg.version, body: "built ok" });
  });

  it("gives a NodeNext TypeScript consumer real types for every subpath", () => {
    const imports = Object.keys(EXPECTED_EXPORTS)
      .map((specifier, index) => `import * as m${index} from "${specifier}";\nvoid m${index};`)
      .join("\n");
    writeFileSync(
      join(consumer, "index.ts"),
      `${imports}
import { startServer } from "covara/node";
import { ProblemError, defineProblemTypes } from "covara";
// Features' problem types reach the published declarations (global merges survive bundling), and so does an app's.
const APP_PROBLEM_TYPES = defineProblemTypes({ "payment-required": { status: 402, title: "Payment required" } });
type AppProblemTypes = typeof APP_PROBLEM_TYPES;
declare global {
  interface CovaraProblemTypes extends AppProblemTypes {}
}
export const problemsTyped = [new ProblemError("mfa-required"), new ProblemError("slow-consumer"), new ProblemError("payment-required")];
// @ts-expect-error an undeclared problem type does not compile
export const undeclared = new ProblemError("no-such-problem");
export async function main(): Promise<string> {
  // @ts-expect-error port is a number: proves the declarations are typed, not any
  await startServer({ fetch: () => new Response() }, { port: "3000" });
  const server = await startServer({ fetch: () => new Response() });
  return server.url;
}
`,
    );
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["index.ts"],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  }, 60_000);
});

describe("bin/covara", () => {
  const bin = (): string => join(consumer, "node_modules", ".bin", "covara");

  it("--version prints package.json's version", () => {
    expect(execFileSync(bin(), ["--version"], { cwd: consumer, encoding: "utf8" }).trim()).toBe(pkg.version);
  });

  it("--help lists usage and the commands", () => {
    const out = execFileSync(bin(), ["--help"], { cwd: consumer, encoding: "utf8" });
    expect(out).toContain("Usage: covara <command>");
    for (const command of ["create", "generate", "dev", "db"]) expect(out).toContain(`  ${command}`);
  });

  it("exits 2 (usage) with a clear error on an unknown command", () => {
    const result = spawnSync(bin(), ["nope"], { cwd: consumer, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command "nope"');
  });
});

/** Consumers that each keep one export; their bundles must keep what that export's code throws. */
const CONSUMERS: Array<[specifier: string, name: string]> = [
  ["covara/server", "createCovara"],
  ["covara", "search"],
  ["covara/auth", "useAuth"],
  ["covara/oidc", "createOIDCProvider"],
  ["covara/files", "files"],
  ["covara/middleware", "idempotency"],
  ["covara/billing", "createBilling"],
];

/** Bundles `code` from the consumer project as a user's bundler would, and runs the bundle. */
async function bundleAndRun(code: string): Promise<{ text: string; stdout: string }> {
  const { build } = await import("esbuild");
  const entry = join(consumer, "entry.mjs");
  const outfile = join(consumer, "bundle.mjs");
  writeFileSync(entry, code);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "silent",
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const stdout = execFileSync(process.execPath, [outfile], { cwd: consumer, encoding: "utf8" });
  return { text: readFileSync(outfile, "utf8"), stdout };
}

describe("package.json sideEffects, as a consumer's bundler reads it", () => {
  it("names the one built chunk whose loading registers problem types, and no chunk has registrations outside it", () => {
    const sideEffects = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).sideEffects as string[];
    expect(sideEffects).toContain("./dist/problems-*.mjs");
    const registering = readdirSync(join(root, "dist"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".mjs"))
      .filter((file) =>
        /^(?:const [\w$]+ = )?(?:defineProblemTypes|registerProblemTypes)\(/m.test(
          readFileSync(join(root, "dist", file), "utf8"),
        ),
      );
    expect(registering).toHaveLength(1);
    expect(registering[0]).toMatch(/^problems-[\w-]+\.mjs$/);
  });

  it.each(CONSUMERS)(
    "a bundle keeping only %s's %s registers every problem type its code throws",
    async (specifier, name) => {
      const { text, stdout } = await bundleAndRun(
        `import { ${name} as kept } from "${specifier}";
        import { PROBLEM_TYPES } from "covara";
        globalThis.kept = kept;
        console.log(JSON.stringify(Object.keys(PROBLEM_TYPES)));`,
      );
      // The slugs the bundle's code builds problems with, read from the bundle itself.
      const thrown = new Set([...text.matchAll(/new ProblemError\("([a-z0-9-]+)"/g)].map((match) => match[1]!));
      expect(thrown.size, "the bundle keeps code that throws problems").toBeGreaterThan(0);
      const registered = new Set(JSON.parse(stdout) as string[]);
      expect([...thrown].filter((slug) => !registered.has(slug))).toEqual([]);
    },
    60_000,
  );

  it("still lets a bundler drop what a consumer does not use: createWorker alone stays small", async () => {
    const { text } = await bundleAndRun(
      `import { createWorker } from "covara/workers"; globalThis.kept = createWorker; console.log("ok");`,
    );
    // About 80 kB (its task code); with every chunk taken as side-effectful it was about 1.9 MB.
    expect(text.length).toBeLessThan(200_000);
  });
});

describe("scripts/validate-exports.mjs", () => {
  /** A copy of the built package with a modified package.json; returns the check's result. */
  function validateVariant(edit: (pkgJson: Record<string, any>) => void): { status: number | null; output: string } {
    const dir = mkdtempSync(join(tmpdir(), "covara-variant-"));
    try {
      cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true });
      cpSync(join(root, "bin"), join(dir, "bin"), { recursive: true });
      const pkgJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, any>;
      edit(pkgJson);
      writeFileSync(join(dir, "package.json"), JSON.stringify(pkgJson, null, 2));
      const result = spawnSync(process.execPath, [join(root, "scripts", "validate-exports.mjs"), dir], {
        cwd: root,
        encoding: "utf8",
      });
      return { status: result.status, output: result.stdout + result.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("passes on the real package", () => {
    expect(validateVariant(() => {})).toMatchObject({ status: 0 });
  });

  it("fails when an export points at a missing file", () => {
    const result = validateVariant((p) => (p.exports["./kv"].import = "./dist/kv/missing.mjs"));
    expect(result.status).toBe(1);
    expect(result.output).toContain('"./dist/kv/missing.mjs" does not exist');
  });

  it("fails when a built entry has no exports entry", () => {
    const result = validateVariant((p) => delete p.exports["./db"]);
    expect(result.status).toBe(1);
    expect(result.output).toContain("dist/db/index.mjs is a built entry with no exports entry");
  });

  it("fails when types is not the first condition", () => {
    const result = validateVariant(
      (p) => (p.exports["./node"] = { import: "./dist/node/index.mjs", types: "./dist/node/index.d.mts" }),
    );
    expect(result.status).toBe(1);
    expect(result.output).toContain('"types" must be the first condition');
  });

  it("fails when the build imports a package that is not a dependency", () => {
    const result = validateVariant((p) => delete p.dependencies.hono);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/imports "hono[^"]*", but "hono" is not in dependencies/);
  });
});
