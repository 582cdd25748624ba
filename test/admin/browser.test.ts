/**
 * The admin UI in Chromium (playwright-core, one browser for the file), served by a real covara
 * server: every page at 1280x800 and 390x844, screenshotted (into docs/images/admin-*.png with
 * COVARA_SCREENSHOTS=1, into a temporary folder otherwise, so a test run leaves the tree clean); the
 * data table updates live over the resource's SSE when a row is created elsewhere; a delete asks
 * first; the pages' nonce CSP is never violated.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryAuditStore, type AdminLogSource, type AdminMetricLine } from "../../src/admin";
import { createMemoryKV } from "../../src/kv";
import { startServer, type CovaraServer } from "../../src/node";
import { defineTask, getTaskRegistry, initializeTasks, startTaskWorkers } from "../../src/tasks";
import { hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { ADMIN, adminApp, userManager } from "./helpers/admin-app";

warnIfNoChromium("admin UI browser tests");

const IMAGES = process.env.COVARA_SCREENSHOTS
  ? fileURLToPath(new URL("../../docs/images/", import.meta.url))
  : `${mkdtempSync(join(tmpdir(), "covara-admin-shots-"))}/`;
const WAIT = { timeout: 15_000 };
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } } as const;

let browser: Browser;
let server: CovaraServer;
let made: Awaited<ReturnType<typeof adminApp>>;
const violations: string[] = [];
const contexts: BrowserContext[] = [];

/** A plausible request log for the logs and metrics views. */
function sampleLogs(): AdminLogSource {
  const routes = [
    ["GET", "/api/todos", 200, 3.2],
    ["GET", "/api/todos/:id", 200, 1.4],
    ["POST", "/api/todos", 201, 6.8],
    ["PATCH", "/api/todos/:id", 200, 5.1],
    ["GET", "/api/todos", 400, 0.9],
    ["DELETE", "/api/todos/:id", 404, 1.1],
    ["GET", "/api/attachments/:id/download", 200, 12.5],
    ["POST", "/api/attachments", 500, 40.2],
  ] as const;
  const start = Date.UTC(2026, 11, 6, 17, 0, 0);
  const requests = Array.from({ length: 120 }, (_, i) => {
    const [method, route, status, ms] = routes[(i * 7) % routes.length]!;
    return {
      time: start + i * 1500,
      method,
      route,
      path: route.replace(":id", String((i % 9) + 1)),
      status,
      durationMs: ms * (1 + (i % 5) / 4),
      userId: ["ann", "bob", "root"][i % 3],
    };
  });
  const errors = [
    {
      time: start + 4000,
      message: "SQLITE_BUSY: database is locked",
      code: "INTERNAL_ERROR",
      status: 500,
      method: "POST",
      path: "/api/attachments",
    },
    {
      time: start + 9000,
      message: "Invalid filter: expected a value after '=='",
      code: "FILTER_PARSE_ERROR",
      status: 400,
      method: "GET",
      path: "/api/todos",
    },
    {
      time: start + 12000,
      message: "fetch to https://hooks.example failed: ECONNREFUSED",
      code: "FetchError",
      method: "POST",
      path: "/api/todos",
    },
  ];
  const metrics: AdminMetricLine[] = [
    { time: start + 60_000, name: "tasks_queue_depth", value: 3, labels: { queue: "default" } },
    { time: start + 60_000, name: "realtime_subscribers", value: 42 },
    { time: start + 60_000, name: "db_pool_in_use", value: 2, labels: { database: "main" } },
  ];
  return {
    requests: async (limit) => requests.slice(-limit).reverse(),
    errors: async (limit) => errors.slice(0, limit),
    metrics: async (limit) => metrics.slice(0, limit),
  };
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(IMAGES, { recursive: true });
  const day = 86_400_000;
  const now = Date.UTC(2026, 11, 6, 17, 0, 0);
  const sessions = [
    { id: "s1-9f2c4e7a1b", userId: "ann", createdAt: new Date(now - 2 * day), expiresAt: new Date(now + 28 * day) },
    { id: "s2-4d8e1a0c7f", userId: "ann", createdAt: new Date(now - 3_600_000), expiresAt: new Date(now + 30 * day) },
  ];
  const keys = [
    {
      id: "a81f0c2d9e4b7763",
      name: "CI deploys",
      createdAt: new Date(now - 40 * day),
      lastUsedAt: new Date(now - 600_000),
      revokedAt: null,
    },
    {
      id: "5c3e9b7a2f1d0e84",
      name: "old laptop",
      createdAt: new Date(now - 200 * day),
      lastUsedAt: new Date(now - 90 * day),
      revokedAt: new Date(now - 30 * day),
    },
  ];
  const users = userManager({
    sessions: { listByUser: async (id) => sessions.filter((session) => session.userId === id), delete: async () => {} },
    apiKeys: { list: async () => keys, revoke: async () => true },
  });
  made = await adminApp({ userManager: users, audit: createMemoryAuditStore(), logs: sampleLogs() });
  const titles = [
    "Write the release notes",
    "Review <script>alert(1)</script> escaping",
    "Ship the admin UI",
    "Rotate the API keys",
    "Answer support tickets",
    "Plan the Q1 roadmap",
    "Fix flaky upload test",
    "Update dependencies",
  ];
  for (const [i, title] of titles.entries())
    made.insert({
      title,
      ownerId: ["ann", "bob", "root"][i % 3]!,
      done: i % 3 === 0,
      notes: i % 2 ? null : "needs a second pair of eyes",
    });
  const kv = createMemoryKV();
  const scheduler = initializeTasks(kv, { app: made.app, keyPrefix: "admin-shots:tasks:" });
  const registry = getTaskRegistry(made.app);
  registry.register(
    defineTask({
      name: "send-digest",
      input: z.object({ to: z.string() }),
      retry: { maxAttempts: 1, backoff: "fixed", delayMs: 10 },
      handler: () => Promise.reject(new Error("SMTP 421: try again later")),
    }),
  );
  registry.register(defineTask({ name: "rebuild-index", input: z.object({ table: z.string() }), handler: () => 1 }));
  const worker = await startTaskWorkers(kv, registry, 1, { keyPrefix: "admin-shots:tasks:", pollIntervalMs: 20 });
  await scheduler.enqueue("send-digest", { to: "ann@example.com" });
  for (let i = 0; i < 40 && (await scheduler.listDeadLetters()).length === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  await worker.stop();
  for (const table of ["todos", "attachments", "users"])
    await scheduler.enqueue("rebuild-index", { table }, { delayMs: 3_600_000 });
  const form = new FormData();
  form.append("file", new Blob(["quarterly numbers"], { type: "text/plain" }), "report.txt");
  await made.app.request("/api/attachments", {
    method: "POST",
    headers: { "x-test-user": JSON.stringify({ id: "ann" }) },
    body: form,
  });
  server = await startServer(made.app, { port: 0, hostname: "127.0.0.1", shutdown: false });
  browser = await launchChromium();
}, 60_000);

// Each test's pages close with it: pages left open keep their live connections and timers
// running, and every later page in this Chromium got slower for them.
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close().catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  made?.close();
});

async function open(viewport: { width: number; height: number }, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport, extraHTTPHeaders: { "x-test-user": JSON.stringify(ADMIN) } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => violations.push(`page error: ${error.message}`));
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector("main h1", WAIT);
  return page;
}

const PAGES: Array<[name: string, path: string]> = [
  ["overview", "/__covara/ui"],
  ["data", "/__covara/ui/data/todos"],
  ["data-edit", "/__covara/ui/data/todos?edit=2"],
  ["data-filter-error", `/__covara/ui/data/todos?filter=${encodeURIComponent("title==")}`],
  ["files", "/__covara/ui/data/attachments"],
  ["api", "/__covara/ui/api"],
  ["audit", "/__covara/ui/audit"],
  ["logs", "/__covara/ui/logs"],
  ["errors", "/__covara/ui/logs?kind=errors"],
  ["metrics", "/__covara/ui/metrics"],
  ["tasks", "/__covara/ui/tasks?state=dlq"],
  ["auth", "/__covara/ui/auth?user=ann"],
];

describe.skipIf(!hasChromium)("admin UI in Chromium", () => {
  it("updates the data table live when a row is created elsewhere, and asks before a delete", async () => {
    const page = await open(VIEWPORTS.desktop, "/__covara/ui/data/todos");
    await page.waitForSelector('[data-live-status][data-state="open"]', WAIT);
    const created = await fetch(`${server.url}/api/todos`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-user": JSON.stringify({ id: "bob" }) },
      body: JSON.stringify({ title: "Arrived over SSE", ownerId: "bob" }),
    });
    expect(created.status).toBe(201);
    await page.waitForSelector("#rows >> text=Arrived over SSE", WAIT);
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      void dialog.dismiss();
    });
    await page.locator("#rows button.danger").first().click();
    expect(asked).toMatch(/^Delete todos /);
    expect(await page.locator("#rows tbody tr").count()).toBe(9);
  }, 60_000);

  it("runs an API explorer call picked from the OpenAPI operations", async () => {
    const page = await open(VIEWPORTS.desktop, "/__covara/ui/api");
    await page.selectOption("#operation", "GET /api/todos");
    expect(await page.inputValue("#path")).toBe("/api/todos");
    await page.fill("input[name=query]", "limit=2&select=id,title");
    await Promise.all([page.waitForNavigation(), page.click("form.card button[type=submit]")]);
    await page.waitForSelector("#result", WAIT);
    expect(await page.textContent("#result")).toContain("Write the release notes");
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${IMAGES}admin-api-result-${label}.png` });
    }
  }, 60_000);

  it.each(PAGES)(
    "renders the %s page at both sizes",
    async (name, path) => {
      for (const [label, viewport] of Object.entries(VIEWPORTS)) {
        const page = await open(viewport, path);
        await page.screenshot({ path: `${IMAGES}admin-${name}-${label}.png` });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect([name, label, overflow]).toEqual([name, label, 0]);
      }
    },
    60_000,
  );

  it("never violates the pages' CSP", () => {
    expect(violations).toEqual([]);
  });
});
