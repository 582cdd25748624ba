/**
 * `covara dev` with file routes: a route file edited, added or broken is picked up by the running
 * app without a restart (the dev server prints no restart), on a generated SQLite project.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkedProject, repoRoot } from "./helpers/project";
import { freePort, waitFor } from "./helpers/wait";

describe("covara dev with file routes", () => {
  const root = mkdtempSync(join(tmpdir(), "covara-dev-routes-"));
  const dir = join(root, "my-app");
  let child: ChildProcess | undefined;
  let output = "";
  let base = "";
  const route = (name: string, body: string) => {
    mkdirSync(join(dir, "src/routes", name), { recursive: true });
    writeFileSync(join(dir, "src/routes", name, "index.ts"), body);
  };
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return {
      status: response.status,
      body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined,
    };
  };

  beforeAll(async () => {
    await createLinkedProject(dir);
    const appFile = join(dir, "src/app.ts");
    writeFileSync(
      appFile,
      readFileSync(appFile, "utf8").replace(
        "export default app;",
        'await app.fileRoutes(new URL("./routes", import.meta.url));\n\nexport default app;',
      ),
    );
    route("hello", "export const GET = () => ({ version: 1 });\n");
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.DATABASE_URL;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(repoRoot, "test/cli/helpers/cli-main.ts"),
        "dev",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--no-typecheck",
      ],
      {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  }, 120_000);

  afterAll(async () => {
    if (process.env.COVARA_DEV_TEST_LOG) console.log(output);
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("reloads an edited route, serves a new one and reports a broken one, never restarting", async () => {
    await waitFor(
      "the first route",
      async () => ((await get("/api/hello")).body?.version === 1 ? true : undefined),
      150_000,
    );
    const before = output.length;
    route("hello", "export const GET = () => ({ version: 2 });\n");
    route("extra", "export const GET = () => ({ extra: true });\n");
    await waitFor(
      "the edited route",
      async () => ((await get("/api/hello")).body?.version === 2 ? true : undefined),
      60_000,
    );
    await waitFor(
      "the new route",
      async () => ((await get("/api/extra")).body?.extra === true ? true : undefined),
      60_000,
    );
    route("extra", "export const GET = ;\n");
    await waitFor(
      "the broken route reported",
      async () => (output.slice(before).includes(join("routes", "extra", "index.ts")) ? true : undefined),
      60_000,
    );
    expect((await get("/api/hello")).body).toEqual({ version: 2 });
    expect((await get("/api/todos")).status).toBe(200);
    expect(output.slice(before)).not.toMatch(/restarting|restarted in/);
  }, 240_000);
});
