/**
 * Uploads from a real browser: the page (test/files/browser/upload-app.tsx, built with esbuild)
 * uploads through useFileUpload to a covara file resource on a real Node server on loopback, over
 * XMLHttpRequest; the progress bar passes intermediate values and reaches 100 %, the file lands on
 * disk whole, and a picked file goes the same way. One Chromium for the file; a screenshot is kept.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bundleReactApp, hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../../src/files";
import { startServer, type CovaraServer } from "../../src/node";
import { filesApp } from "./helpers/files-app";

warnIfNoChromium("files browser tests");

export const SHOTS = process.env.COVARA_SHOTS ?? mkdtempSync(join(tmpdir(), "covara-files-shots-"));
const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>covara files</title></head><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;
const basePath = mkdtempSync(join(tmpdir(), "covara-files-browser-"));

let browser: Browser;
let server: CovaraServer;
let made: Awaited<ReturnType<typeof filesApp>>;
let url: string;

beforeAll(async () => {
  if (!hasChromium) return;
  const appJs = await bundleReactApp(new URL("./browser/upload-app.tsx", import.meta.url));
  made = await filesApp({
    storage: createLocalStorage({ basePath, baseUrl: "/uploads" }),
    maxFileSize: 64 * 1024 * 1024,
  });
  made.app.get("/", (c) => c.html(HTML));
  made.app.get("/app.js", (c) => c.body(appJs, 200, { "content-type": "text/javascript; charset=utf-8" }));
  server = await startServer(made.app, { port: 0, hostname: "127.0.0.1", shutdown: false });
  url = `http://127.0.0.1:${server.port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  made?.close();
  rmSync(basePath, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)("file uploads in Chromium", () => {
  it("uploads a generated 8 MB file with a progress bar that reaches 100 %", async () => {
    const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    page.on("pageerror", (error) => console.error("page error:", error.message));
    // Slow the upload's network so progress events have time to arrive (loopback is instant otherwise).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 8 * 1024 * 1024,
    });
    await page.goto(`${url}/`);
    await page.click("#big");
    await page.waitForFunction(() => window.uploaded !== undefined || window.uploadError !== undefined, undefined, {
      timeout: 60_000,
    });
    expect(await page.evaluate(() => window.uploadError)).toBeUndefined();
    await page.waitForSelector("#link");
    const log = await page.evaluate(() => window.progressLog);
    expect(log.at(-1)).toBe(100);
    expect(log.some((value) => value > 0 && value < 100)).toBe(true);
    expect(await page.$eval("#bar", (bar) => (bar as HTMLProgressElement).value)).toBe(100);
    expect(await page.textContent("#percent")).toBe("100 %");
    await page.screenshot({ path: join(SHOTS, "upload-progress.png") });

    const row = (await page.evaluate(() => window.uploaded))!;
    expect(row).toMatchObject({
      name: "big report ü.bin",
      size: 8 * 1024 * 1024,
      title: "from the browser",
      userId: "ann",
    });
    const onDisk = readFileSync(join(basePath, String(row.key)));
    expect(createHash("sha256").update(onDisk).digest("hex")).toBe(row.hash);
    // The page's link downloads it back, under the user's read scope.
    const href = await page.getAttribute("#link", "href");
    const downloaded = await page.evaluate(
      async (link) => (await (await fetch(link!, { headers: { "x-test-user": "ann" } })).arrayBuffer()).byteLength,
      href,
    );
    expect(downloaded).toBe(8 * 1024 * 1024);
    await page.close();
  });

  it("uploads a picked file through the file input", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    const picked = join(basePath, "picked.txt");
    writeFileSync(picked, "picked from disk");
    await page.setInputFiles("#picker", picked);
    await page.waitForFunction(() => window.uploaded !== undefined, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.uploaded)).toMatchObject({
      name: "picked.txt",
      size: 16,
      mimeType: "text/plain",
    });
    await page.waitForFunction(() => document.querySelectorAll("#list li").length >= 2);
    await page.close();
  });
});
