/**
 * The proof in a real browser: a React app (test/client/browser/app.tsx, built with esbuild) served
 * by real covara servers on loopback, driven in Chromium with playwright-core. Two tabs of one
 * user share live updates over SSE and an offline queue over IndexedDB, BroadcastChannel and Web
 * Locks; a server restart is resumed with Last-Event-ID; an expired JWT is refreshed; an OIDC PKCE
 * login goes through covara/oidc's own login page. One browser for the whole file.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { bundleReactApp, hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createEnv, createMemorySearch, usePublicEnv } from "../../src";
import { PASSWORD, startClientTestServer, type ClientTestServer } from "./fixtures/server";

warnIfNoChromium("browser tests");

const SHOTS = mkdtempSync(join(tmpdir(), "covara-client-shots-"));
const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>covara client</title>
<style>body{font:15px system-ui;margin:2rem}li{margin:.2rem 0}#status{color:#555}</style></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;

let appJs = "";
let browser: Browser;
let live: ClientTestServer;
let oidc: ClientTestServer;

function serveApp(app: Parameters<NonNullable<Parameters<typeof startClientTestServer>[0]>["extend"] & {}>[0]): void {
  app.get("/app", (c) => c.html(HTML));
  app.get("/callback", (c) => c.html(HTML));
  app.get("/app.js", (c) => c.body(appJs, 200, { "content-type": "text/javascript; charset=utf-8" }));
  const env = createEnv(
    { PUBLIC_APP_NAME: z.string(), SECRET_KEY: z.string() },
    { source: { PUBLIC_APP_NAME: "Covara Todos", SECRET_KEY: "s3cr3t-browser" } },
  );
  app.route("/api/env", usePublicEnv(env));
}

beforeAll(async () => {
  if (!hasChromium) return;
  appJs = await bundleReactApp(new URL("./browser/app.tsx", import.meta.url));
  live = await startClientTestServer({
    accessTtlSeconds: 2,
    extend: serveApp,
    usersConfig: { search: { index: createMemorySearch(), fields: ["name", "email"] } },
  });
  oidc = await startClientTestServer({ oidc: {}, extend: serveApp });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await live?.close();
  await oidc?.close();
});

const names = (page: Page): Promise<string[]> =>
  page.$$eval("#todos .name", (els) => els.map((e) => e.textContent ?? ""));

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${live.url}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.status === 204 ? undefined : res.json();
}

async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.goto(`${live.url}/app?mode=live`);
  await page.waitForFunction(() => (window as any).covara?.status === "open");
  return page;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasChromium)("browser proof", () => {
  let context: BrowserContext;
  let tabA: Page;
  let tabB: Page;

  beforeAll(async () => {
    context = await browser.newContext();
    await api("POST", "/api/users", { name: "a-keep", email: "a@x.io", role: "todo" });
    tabA = await openTab(context);
    tabB = await openTab(context);
  }, 60_000);
  afterAll(async () => context?.close());

  it("a create in tab A appears in tab B through SSE; a delete is optimistic", async () => {
    await tabA.click("#add");
    await until(async () => (await names(tabB)).length === 2);
    expect(await names(tabB)).toEqual(await names(tabA));

    // Hold every DELETE at the network for 1.5 s: the row must leave tab A before the server answers.
    let held = 0;
    const released: Promise<void>[] = [];
    await context.route(/\/api\/users\/\d+$/, (route) => {
      const release = (async () => {
        if (route.request().method() === "DELETE") {
          held++;
          await new Promise((resolve) => setTimeout(resolve, 1500));
        }
        await route.continue();
      })();
      released.push(release);
      return release;
    });
    try {
      const added = (await names(tabA)).find((n) => n.startsWith("todo-"))!;
      await tabA.click(`#todos li:has-text("${added}") button`);
      await tabA.waitForFunction(
        (name) => ![...document.querySelectorAll("#todos .name")].some((e) => e.textContent === name),
        added,
        { timeout: 500 },
      );
      // The row left tab A while its DELETE is still held at the network: the server still has it.
      await until(async () => held === 1, 3000);
      expect((await api("GET", "/api/users?filter=role==todo")).items).toHaveLength(2);
      await until(async () => (await names(tabB)).length === 1);
    } finally {
      await Promise.all(released);
      await context.unroute(/\/api\/users\/\d+$/);
    }
    await tabA.screenshot({ path: join(SHOTS, "1-two-tabs.png") });
  });

  it("offline writes in both tabs replay once online: exact rows, no duplicates, empty queues, tabs match a fresh list", async () => {
    const upd = await api("POST", "/api/users", { name: "b-upd", email: "b@x.io", role: "todo" });
    const del = await api("POST", "/api/users", { name: "c-del", email: "c@x.io", role: "todo" });
    await until(async () => (await names(tabA)).length === 3 && (await names(tabB)).length === 3);

    await context.setOffline(true);
    await tabA.evaluate(
      async ({ upd }) => {
        const { mutate } = (window as any).covara;
        await mutate.create({ name: "off-A1", email: "offa1@x.io", role: "todo" });
        await mutate.update(upd, { age: 5 });
      },
      { upd: upd.id },
    );
    await tabB.evaluate(
      async ({ del }) => {
        const { mutate } = (window as any).covara;
        await mutate.create({ name: "off-B1", email: "offb1@x.io", role: "todo" });
        await mutate.delete(del);
      },
      { del: del.id },
    );
    // The temporary row of tab B, renamed while still offline (its id is not the server's yet).
    await tabB.waitForFunction(() => (window as any).covara.items.some((t: any) => t.name === "off-B1"));
    await tabB.evaluate(async () => {
      const { mutate, items } = (window as any).covara;
      const temp = items.find((t: any) => t.name === "off-B1");
      await mutate.update(temp.id, { name: "off-B1x" });
    });
    const optimistic = ["a-keep", "b-upd", "off-A1", "off-B1x"];
    await until(
      async () =>
        JSON.stringify(await names(tabA)) === JSON.stringify(optimistic) &&
        JSON.stringify(await names(tabB)) === JSON.stringify(optimistic),
    );
    expect(await tabA.evaluate(() => (window as any).covara.pending())).toBe(5);
    await tabB.screenshot({ path: join(SHOTS, "2-offline.png") });

    await context.setOffline(false);
    await until(
      async () =>
        (await tabA.evaluate(() => (window as any).covara.pending())) === 0 &&
        (await tabB.evaluate(() => (window as any).covara.pending())) === 0,
      30_000,
    );
    const fresh = (await api("GET", "/api/users?filter=role==todo&orderBy=name")).items as {
      name: string;
      age: number | null;
    }[];
    expect(fresh.map((u) => [u.name, u.age])).toEqual([
      ["a-keep", null],
      ["b-upd", 5],
      ["off-A1", null],
      ["off-B1x", null],
    ]);
    await until(
      async () =>
        JSON.stringify(await names(tabA)) === JSON.stringify(fresh.map((u) => u.name)) &&
        JSON.stringify(await names(tabB)) === JSON.stringify(fresh.map((u) => u.name)),
    );
    await tabA.screenshot({ path: join(SHOTS, "3-back-online.png") });
  }, 60_000);

  it("resumes with Last-Event-ID after the server restarts and misses no event written during the gap", async () => {
    const resumes: string[] = [];
    tabA.on("request", (request) => {
      const id = request.headers()["last-event-id"];
      if (request.url().includes("/subscribe") && id) resumes.push(id);
    });
    await live.restart(async (other) => {
      for (const name of ["gap-1", "gap-2"]) {
        const res = await other.request("/api/users", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, email: `${name}@x.io`, role: "todo" }),
        });
        expect(res.status).toBe(201);
      }
    });
    await until(async () => (await names(tabA)).includes("gap-2") && (await names(tabB)).includes("gap-2"), 30_000);
    expect(resumes.length).toBeGreaterThan(0);
    expect(Number(resumes[0])).toBeGreaterThan(0);
    expect(await names(tabA)).toEqual(await names(tabB));
  }, 60_000);
});

describe.skipIf(!hasChromium)("browser hooks", () => {
  it("useInfiniteList pages, useLiveAggregate follows writes from useMutation, useSearch finds, usePrefetch fills useList", async () => {
    for (const name of ["h1", "h2", "h3"])
      await api("POST", "/api/users", { name, email: `${name}@x.io`, role: "hook" });
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error.message));
    await page.goto(`${live.url}/app?mode=hooks`);
    await page.waitForSelector("#infinite li");
    expect(await page.$$eval("#infinite li", (els) => els.map((e) => e.textContent))).toEqual(["h1", "h2"]);
    expect(await page.textContent("#has-more")).toBe("true");
    await page.evaluate(() => (window as any).covara.loadMore());
    await page.waitForFunction(() => document.querySelectorAll("#infinite li").length === 3);
    expect(await page.textContent("#has-more")).toBe("false");
    await page.waitForSelector("#aggregate:has-text('hook=3')");

    await page.evaluate(() => (window as any).covara.create({ name: "h4", email: "h4@x.io", role: "hook" }));
    await page.waitForSelector("#aggregate:has-text('hook=4')");

    await page.evaluate(() => (window as any).covara.search("h4"));
    await page.waitForFunction(
      () => [...document.querySelectorAll("#search li")].map((e) => e.textContent).join() === "h4",
    );

    const listRequests: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (
        url.pathname === "/api/users" &&
        url.searchParams.get("filter") === "role==hook" &&
        !url.searchParams.has("limit")
      )
        listRequests.push(url.search);
    });
    await page.evaluate(() => (window as any).covara.prefetch());
    expect(listRequests).toHaveLength(1);
    await page.evaluate(() => (window as any).covara.showPrefetched());
    await page.waitForSelector("#prefetched:has-text('success:4')");
    expect(listRequests).toHaveLength(1); // served from the prefetched cache
    await page.waitForSelector("#env:has-text('success:Covara Todos')");
    await page.screenshot({ path: join(SHOTS, "6-hooks.png") });
    await context.close();
  }, 30_000);
});

describe.skipIf(!hasChromium)("browser auth", () => {
  it("an expired JWT is refreshed transparently", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${live.url}/app?mode=jwt`);
    await page.waitForSelector("#login");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click("#login");
    await page.waitForSelector("text=signed in as ada@example.com");
    await page.waitForSelector("#notes-status:has-text('success')");
    const refreshes: number[] = [];
    page.on("response", (res) => {
      if (res.url().endsWith("/api/auth/refresh")) refreshes.push(res.status());
    });
    await new Promise((resolve) => setTimeout(resolve, 2600)); // the 2-second access token expires
    await page.evaluate(() => (window as any).covara.reloadNotes());
    await page.waitForSelector("#notes-status:has-text('success')");
    await until(async () => refreshes.length > 0);
    expect(refreshes).toEqual([200]);
    expect(await page.$("#notes-error")).toBeNull();
    expect(await page.textContent("#auth")).toBe("signed in as ada@example.com");
    await page.screenshot({ path: join(SHOTS, "4-jwt.png") });
    await context.close();
  }, 30_000);

  it("an OIDC PKCE login through covara/oidc's login page ends with an authenticated useAuth", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${oidc.url}/app?mode=oidc`);
    await page.click("#login");
    await page.waitForURL(/\/oidc\/interaction\//);
    await page.fill('input[name="email"]', "ada@example.com");
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=signed in as ada@example.com", { timeout: 15_000 });
    expect(page.url()).toBe(`${oidc.url}/app?mode=oidc`);
    await page.screenshot({ path: join(SHOTS, "5-oidc.png") });
    console.log(`screenshots in ${SHOTS}`);
    await context.close();
  }, 30_000);
});
