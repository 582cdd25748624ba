/**
 * The acceptance run, from the published shape: `npm pack` → `covara create my-app` in an
 * empty folder → `npm install --prefer-offline` (the npm registry is the only network) →
 * `covara dev` as a child process → 200 from /api/todos → a nullable column reaches the database,
 * the API and the client types with no manual step → a NOT NULL column without a default is
 * refused with an explanation. PostgreSQL runs the same loop in dev.test.ts.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPackageOnce } from "../helpers/package-build";
import { repoRoot } from "./helpers/project";
import { dependenciesKey } from "../../src/cli/dev/dev-cache";

const registryUp = spawnSync("npm", ["ping"], { encoding: "utf8", timeout: 20_000 }).status === 0;
if (!registryUp) console.warn("acceptance.test: skipping: the npm registry is unreachable (npm ping failed)");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!registryUp)("acceptance: npm pack → create → install → covara dev", () => {
  const root = mkdtempSync(join(tmpdir(), "covara-acceptance-"));
  let child: ChildProcess | undefined;
  let output = "";
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
    // The dev server's graceful stop and deleting an installed node_modules took over 30 s on a
    // loaded machine.
  }, 90_000);

  it("serves, applies a nullable column live, refuses a NOT NULL one", async () => {
    // Built once per run, shared with test/package/exports.test.ts (never two builds in dist/ at once).
    await buildPackageOnce();
    execFileSync("npm", ["pack", "--pack-destination", root], { cwd: repoRoot, stdio: "pipe" });
    const tarball = join(root, readdirSync(root).find((file) => file.endsWith(".tgz")) ?? "");
    const unpacked = join(root, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["xzf", tarball, "-C", unpacked]);
    const empty = join(root, "empty");
    mkdirSync(empty);
    execFileSync(
      process.execPath,
      [
        join(unpacked, "package/bin/covara.mjs"),
        "create",
        "my-app",
        "--no-install",
        "--covara-version",
        `file:${tarball}`,
      ],
      { cwd: empty, stdio: "pipe" },
    );
    const dir = join(empty, "my-app");
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, stdio: "pipe" });

    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.DATABASE_URL;
    child = spawn(
      process.execPath,
      [
        join(dir, "node_modules/covara/bin/covara.mjs"),
        "dev",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--no-typecheck",
      ],
      { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    const url = `http://127.0.0.1:${port}/api/todos`;
    await waitFor("the first 200", async () => ((await fetch(url)).status === 200 ? true : undefined), 90_000);
    expect(
      (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"title":"first"}' }))
        .status,
    ).toBe(201);

    const schemaFile = join(dir, "src/schema.ts");
    writeFileSync(
      schemaFile,
      readFileSync(schemaFile, "utf8").replace(
        'title: text("title").notNull(),',
        'title: text("title").notNull(),\n  note: text("note"),',
      ),
    );
    const edited = Date.now();
    await waitFor(
      "the new column",
      async () => ((await (await fetch(url)).text()).includes('"note":null') ? true : undefined),
      60_000,
    );
    console.log(`acceptance.test: nullable column served ${Date.now() - edited} ms after the edit`);
    await waitFor(
      "the client types",
      async () => (readFileSync(join(dir, "src/covara-types.d.ts"), "utf8").includes("note") ? true : undefined),
      10_000,
    );

    const before = output.length;
    writeFileSync(
      schemaFile,
      readFileSync(schemaFile, "utf8").replace(
        'note: text("note"),',
        'note: text("note"),\n  priority: integer("priority").notNull(),',
      ),
    );
    await waitFor("the refusal", async () => (output.slice(before).includes("NOT applied") ? true : undefined), 60_000);
    expect(output.slice(before)).toContain("NOT NULL column without a default");
    const body = (await (await fetch(url)).json()) as { items: Record<string, unknown>[] };
    expect(body.items[0]).toMatchObject({ title: "first", note: null });
    expect(body.items[0]).not.toHaveProperty("priority");

    // What the app loaded is remembered for the next start's warm-up, under the dependencies' state
    // (a changed package.json or lockfile drops the list).
    const cache = JSON.parse(readFileSync(join(dir, "node_modules/.cache/covara/dev.json"), "utf8")) as {
      packages?: string[];
      packagesKey?: string;
    };
    expect(cache.packagesKey).toBe(dependenciesKey(dir));
    expect(cache.packages?.length).toBeGreaterThan(50);
    expect(cache.packages?.every((file) => file.includes("/node_modules/"))).toBe(true);
  }, 300_000);
});
