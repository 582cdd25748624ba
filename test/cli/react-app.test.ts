/**
 * `covara create --frontend react` end to end: the generated SPA is built with vite, served by the
 * generated server, opened in Chromium, and a row created through the API appears in the page
 * without a reload (covara/client/react's live list over SSE). Leaves a screenshot in docs/images.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { freePort } from "./helpers/services";
import { createLinkedProject, repoRoot } from "./helpers/project";
import { runInDir } from "./helpers/run";

warnIfNoChromium("react-app.test");

describe.skipIf(!hasChromium)("covara create --frontend react", () => {
  const root = mkdtempSync(join(tmpdir(), "covara-react-"));
  const dir = join(root, "my-app");
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = "";
  let log = "";

  beforeAll(async () => {
    await createLinkedProject(dir, ["--frontend", "react"]);
    // The project's `npm run build`, with covara's client resolved to this repository's sources.
    const { build } = await import("vite");
    await build({
      root: dir,
      logLevel: "silent",
      resolve: {
        alias: [
          { find: /^covara\/client\/react$/, replacement: join(repoRoot, "src/client/react/index.ts") },
          { find: /^covara\/client$/, replacement: join(repoRoot, "src/client/index.ts") },
        ],
      },
    });
    const pushed = await runInDir(dir, ["db", "push"]);
    if (pushed.code !== 0) throw new Error(`covara db push failed: ${pushed.stderr}`);
    const port = await freePort();
    base = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_ENV: "production" };
    delete env.DATABASE_URL;
    server = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (chunk: Buffer) => void (log += chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => void (log += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!log.includes("listening on")) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the server did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the SPA, and a row created through the API appears in the page live", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(base);
    await page.getByRole("heading", { name: "Todos" }).waitFor({ timeout: 60_000 });
    await page.getByPlaceholder("What needs doing?").fill("Typed in the page");
    await page.getByRole("button", { name: "Add" }).click();
    await page.getByText("Typed in the page").waitFor({ timeout: 30_000 });

    const created = await fetch(`${base}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Created through the API" }),
    });
    expect(created.status).toBe(201);
    await page.getByText("Created through the API").waitFor({ timeout: 30_000 });
    expect(await page.locator("li").allTextContents()).toEqual([
      expect.stringContaining("Typed in the page"),
      expect.stringContaining("Created through the API"),
    ]);
    await page.screenshot({ path: join(repoRoot, "docs/images/create-react-app.png") });
  }, 120_000);
});
