import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createCommand, resolveCreateOptions } from "../../src/cli/create/command";
import { detectPackageManager, projectNameProblem } from "../../src/cli/create/options";
import { terminalAsker } from "../../src/cli/create/prompt";
import type { CliIO } from "../../src/cli/output";
import { run } from "./helpers/run";

const root = mkdtempSync(join(tmpdir(), "covara-create-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quietIO = (): CliIO & { out: string; err: string } => {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
};

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("covara create", () => {
  it("writes a Node + SQLite project with every deploy-ready file and no leftover tokens", async () => {
    const dir = join(root, "my-app");
    const { code, stdout } = await run("create", dir, "--no-install");
    expect(code).toBe(0);
    for (const file of [
      "package.json",
      "covara.config.ts",
      ".env.example",
      ".gitignore",
      ".dockerignore",
      "README.md",
      "Dockerfile",
      "docker-compose.yml",
      ".github/workflows/ci.yml",
      "tsconfig.json",
      "src/schema.ts",
      "src/db.ts",
      "src/app.ts",
      "src/server.ts",
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
      expect(read(dir, file), file).not.toMatch(/__[A-Z_]+__/);
    }
    expect(existsSync(join(dir, "wrangler.toml"))).toBe(false);
    const pkg = JSON.parse(read(dir, "package.json"));
    expect(pkg.name).toBe("my-app");
    expect(pkg.scripts.dev).toBe("covara dev");
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(["covara", "@libsql/client", "drizzle-orm", "hono", "tsx"]),
    );
    expect(pkg.devDependencies["drizzle-kit"]).toBeDefined();
    expect(read(dir, "README.md")).toContain("npm install\nnpm run dev");
    expect(read(dir, "src/db.ts")).toContain("drizzle-orm/libsql");
    expect(stdout).toContain("Next:");
    expect(stdout).toContain("npm install");
  });

  it("--db postgres wires postgres-js, and docker-compose runs PostgreSQL beside the API", async () => {
    const dir = join(root, "pg-app");
    expect((await run("create", dir, "--db", "postgres", "--no-install")).code).toBe(0);
    expect(read(dir, "src/schema.ts")).toContain("pgTable");
    expect(read(dir, "src/db.ts")).toContain("drizzle-orm/postgres-js");
    expect(read(dir, "docker-compose.yml")).toContain("image: postgres:17");
    expect(read(dir, "docker-compose.yml")).toContain("POSTGRES_DB: pg_app");
    expect(read(dir, ".env.example")).toContain("DATABASE_URL=postgres://");
    const pkg = JSON.parse(read(dir, "package.json"));
    expect(pkg.dependencies.postgres).toBeDefined();
    expect(pkg.dependencies["@libsql/client"]).toBeUndefined();
  });

  it("--template cloudflare writes a Worker with a D1 binding and nodejs_compat", async () => {
    const dir = join(root, "edge-app");
    expect((await run("create", dir, "--template", "cloudflare", "--no-install")).code).toBe(0);
    const wrangler = read(dir, "wrangler.toml");
    expect(wrangler).toContain('name = "edge-app"');
    expect(wrangler).toContain('compatibility_flags = ["nodejs_compat"]');
    expect(wrangler).toContain('binding = "DB"');
    expect(read(dir, "src/index.ts")).toContain("drizzle-orm/d1");
    expect(existsSync(join(dir, "migrations/0000_init.sql"))).toBe(true);
    const devDependencies = JSON.parse(read(dir, "package.json")).devDependencies;
    // The wrangler line that still runs on Node 20, as covara's own devDependencies pin it.
    expect(devDependencies.wrangler).toBe("^4.59.3");
    expect(devDependencies["@cloudflare/workers-types"]).toMatch(/^\^4\./);
  });

  it("--frontend react adds a live SPA on covara/client/react served by the same app", async () => {
    const dir = join(root, "web-app");
    expect((await run("create", dir, "--frontend", "react", "--no-install")).code).toBe(0);
    expect(read(dir, "src/web/App.tsx")).toContain('useLiveList<Todo>("/api/todos"');
    expect(read(dir, "src/app.ts")).toContain("serveSpa(app)");
    expect(read(dir, "index.html")).toContain("/src/web/main.tsx");
    const pkg = JSON.parse(read(dir, "package.json"));
    expect(pkg.dependencies.react).toBeDefined();
    expect(pkg.scripts.build).toBe("vite build");
  });

  it("refuses a non-empty directory unless --force", async () => {
    const dir = join(root, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "keep me");
    const refused = await run("create", dir, "--no-install");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
    expect(refused.stderr).toContain("--force");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
    expect((await run("create", dir, "--no-install", "--force")).code).toBe(0);
    expect(read(dir, "notes.txt")).toBe("keep me");
  });

  it.each([
    ["My-App", "upper-case"],
    ["_private", "underscore"],
    ["bad name", "may use only"],
  ])("refuses the project name %j (exit 2)", async (name, why) => {
    const result = await run("create", join(root, name), "--no-install");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a valid project name");
    expect(result.stderr).toContain(why);
  });

  it.each([
    [["--db", "mysql"], "--db must be one of sqlite, postgres"],
    [["--template", "deno"], "--template must be one of node, cloudflare"],
    [["--template", "cloudflare", "--db", "postgres"], "uses D1"],
    [["--template", "cloudflare", "--frontend", "react"], "needs --template node"],
    [["--frobnicate"], "Unknown option"],
    [[], "missing <dir>"],
  ])("usage errors exit 2: %j", async (flags, message) => {
    const dir = flags.length === 0 ? [] : [join(root, "never")];
    const result = await run("create", ...dir, ...flags, "--no-install");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("covara create --help");
  });

  it("prints --help with examples", async () => {
    const { code, stdout } = await run("create", "--help");
    expect(code).toBe(0);
    for (const flag of [
      "--template",
      "--db",
      "--frontend",
      "--package-manager",
      "--no-install",
      "--force",
      "Examples:",
    ])
      expect(stdout).toContain(flag);
  });

  it("validates names the way npm does", () => {
    expect(projectNameProblem("my-app")).toBeUndefined();
    expect(projectNameProblem("@acme/api")).toBeUndefined();
    expect(projectNameProblem("node_modules")).toContain("reserved");
    expect(projectNameProblem("a".repeat(215))).toContain("214");
  });

  it("detects the package manager from npm_config_user_agent", async () => {
    expect(detectPackageManager("pnpm/9.1.0 npm/? node/v20.11.0 linux x64")).toBe("pnpm");
    expect(detectPackageManager("yarn/1.22.19 npm/? node/v20.11.0")).toBe("yarn");
    expect(detectPackageManager("bun/1.1.0")).toBe("bun");
    expect(detectPackageManager(undefined)).toBe("npm");
    const dir = join(root, "pnpm-app");
    const io = quietIO();
    await createCommand([dir, "--no-install"], io, {
      cwd: root,
      env: { npm_config_user_agent: "pnpm/9.1.0 npm/? node/v20" },
    });
    expect(read(dir, "README.md")).toContain("pnpm install\npnpm dev");
  });

  it("installs with the chosen package manager, and says how to retry when that fails", async () => {
    const calls: string[] = [];
    const io = quietIO();
    const ok = await createCommand([join(root, "installed"), "--package-manager", "yarn"], io, {
      cwd: root,
      env: {},
      install: async (dir, pm) => (calls.push(`${pm} ${dir}`), 0),
    });
    expect(ok).toBe(0);
    expect(calls).toEqual([`yarn ${join(root, "installed")}`]);
    const failing = createCommand([join(root, "install-fails")], quietIO(), {
      cwd: root,
      env: {},
      install: async () => 1,
    });
    await expect(failing).rejects.toThrow(/installing its dependencies failed/);
  });

  it("asks for the choices on a terminal when no flag makes them", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const io = Object.assign(quietIO(), { interactive: true });
    input.end("node\npostgres\nreact\n");
    const options = await resolveCreateOptions([join(root, "asked")], io, {
      cwd: root,
      env: {},
      asker: () => terminalAsker(io, input, output),
    });
    expect(options).toMatchObject({ template: "node", db: "postgres", frontend: "react" });
  });

  it("re-asks on an unknown answer and takes the first choice on an empty one", async () => {
    const input = new PassThrough();
    const io = Object.assign(quietIO(), { interactive: true });
    input.end("rust\n\n\n\n");
    const options = await resolveCreateOptions([join(root, "asked2")], io, {
      cwd: root,
      env: {},
      asker: () => terminalAsker(io, input, new PassThrough()),
    });
    expect(options).toMatchObject({ template: "node", db: "sqlite", frontend: "none" });
    expect(io.out).toContain("Please answer one of: node, cloudflare");
  });

  it("does not ask when a flag is given (scriptable)", async () => {
    const io = Object.assign(quietIO(), { interactive: true });
    const options = await resolveCreateOptions([join(root, "flagged"), "--db", "postgres"], io, {
      cwd: root,
      env: {},
      asker: () => {
        throw new Error("must not ask");
      },
    });
    expect(options).toMatchObject({ template: "node", db: "postgres", frontend: "none" });
  });
});
