/**
 * The proof in Chromium (playwright-core, one browser for the file): the spec's todo page served
 * by a real covara server. Two tabs of one user see each other's creates, edits and deletes in
 * place; a created row appears once; a delete is optimistic; a create made offline is queued and
 * replayed when the browser is back; another user never sees these rows; a blank title shows the
 * validation error next to the form; the page's nonce-only CSP is never violated.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type CovaraServer } from "../../src/node";
import { todoApp } from "./fixtures/todo-app";

warnIfNoChromium("htmx browser tests");

export const SHOTS = mkdtempSync(join(tmpdir(), "covara-htmx-shots-"));
const WAIT = { timeout: 15_000 };

let browser: Browser;
let server: CovaraServer;
const violations: string[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  const { app } = await todoApp();
  server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
  browser = await launchChromium();
  console.log(`htmx screenshots in ${SHOTS}`);
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

/** A browser context signed in as `user` (its own cookie jar, so offline applies to it alone). */
async function contextFor(user: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
  contexts.push(context);
  await context.addCookies([{ name: "user", value: user, url: server.url }]);
  return context;
}

/** Opens the todo page and waits for its live stream. */
async function openTodos(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|integrity/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => violations.push(`page error: ${error.message}`));
  await page.goto(`${server.url}/todos`);
  await page.waitForSelector("[data-covara-connected]", WAIT);
  return page;
}

const titles = (page: Page): Promise<string[]> =>
  page.$$eval("[data-covara-row] input[name=title]", (inputs) =>
    inputs.map((input) => (input as HTMLInputElement).value),
  );
const rowCount = (page: Page): Promise<number> =>
  page.$$eval("[data-covara-row]", (rows) => rows.filter((row) => !(row as HTMLElement).hidden).length);

async function waitForTitles(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) =>
      JSON.stringify(
        [...document.querySelectorAll("[data-covara-row]:not([hidden]) input[name=title]")].map(
          (input) => (input as HTMLInputElement).value,
        ),
      ) === JSON.stringify(want),
    expected,
    WAIT,
  );
}

async function addTodo(page: Page, title: string): Promise<void> {
  await page.fill("form[data-covara-create] input[name=title]", title);
  await page.click("form[data-covara-create] button");
}

describe.skipIf(!hasChromium)("htmx pages in Chromium", () => {
  let tabA: Page;
  let tabB: Page;
  let bob: Page;

  beforeAll(async () => {
    if (!hasChromium) return;
    tabA = await openTodos(await contextFor("alice"));
    tabB = await openTodos(await contextFor("alice"));
    bob = await openTodos(await contextFor("bob"));
  }, 60_000);

  it("serves the spec's page: htmx and the runtime load under SRI and the nonce CSP", async () => {
    expect(await tabA.evaluate(() => typeof (window as unknown as { htmx?: { version: string } }).htmx?.version)).toBe(
      "string",
    );
    expect(await tabA.title()).toBe("Todos");
    expect(await rowCount(tabA)).toBe(0);
    expect(violations).toEqual([]);
  });

  it("a todo created in tab A appears in tab B, and once in tab A", async () => {
    await addTodo(tabA, "Buy milk");
    await waitForTitles(tabB, ["Buy milk"]);
    await waitForTitles(tabA, ["Buy milk"]);
    // The form was reset, and the live event for A's own row did not add a second copy.
    expect(await tabA.inputValue("form[data-covara-create] input[name=title]")).toBe("");
    await addTodo(tabB, "Call Ada");
    await waitForTitles(tabA, ["Buy milk", "Call Ada"]);
    await tabA.waitForTimeout(500);
    expect(await titles(tabA)).toEqual(["Buy milk", "Call Ada"]);
    expect(await titles(tabB)).toEqual(["Buy milk", "Call Ada"]);
    await tabA.screenshot({ path: join(SHOTS, "1-created.png") });
  });

  it("an edit and a toggle in one tab patch the row in place in the other", async () => {
    const row = tabA.locator("[data-covara-row]").first();
    await row.locator("input[name=title]").fill("Buy oat milk");
    await row.locator("input[name=title]").press("Enter");
    await waitForTitles(tabB, ["Buy oat milk", "Call Ada"]);
    await tabB.locator("[data-covara-row]").first().locator("button.toggle").click();
    await tabA.waitForFunction(
      () => document.querySelector("[data-covara-row] button.toggle")?.textContent === "Undo",
      undefined,
      WAIT,
    );
    // The live aggregate region follows in both tabs.
    await tabA.waitForFunction(
      () => document.querySelector(".summary")?.textContent === "1 open · 1 done",
      undefined,
      WAIT,
    );
    await tabB.waitForFunction(
      () => document.querySelector(".summary")?.textContent === "1 open · 1 done",
      undefined,
      WAIT,
    );
    expect(await tabB.locator("[data-covara-row]").first().locator("button.toggle").textContent()).toBe("Undo");
  });

  it("a delete is optimistic in its tab and removes the row in the other", async () => {
    await tabB.route("**/__covara/live/*/delete/*", async (route) => {
      // Held back: the row must already be gone before the server answers.
      await new Promise((resolve) => setTimeout(resolve, 800));
      await route.continue();
    });
    await tabB.locator("[data-covara-row]").nth(1).locator("button.delete").click();
    expect(await rowCount(tabB)).toBe(1);
    await waitForTitles(tabA, ["Buy oat milk"]);
    await waitForTitles(tabB, ["Buy oat milk"]);
    await tabB.unroute("**/__covara/live/*/delete/*");
  });

  it("a refused delete brings the row back", async () => {
    await tabB.route("**/__covara/live/*/delete/*", (route) =>
      route.fulfill({
        status: 404,
        contentType: "text/html",
        headers: { "hx-retarget": "#covara-errors-0-0", "hx-reswap": "innerHTML" },
        body: '<div class="covara-error">gone</div>',
      }),
    );
    await tabB.locator("[data-covara-row] button.delete").first().click();
    await tabB.waitForSelector("#covara-errors-0-0 .covara-error", WAIT);
    expect(await rowCount(tabB)).toBe(1);
    await tabB.unroute("**/__covara/live/*/delete/*");
  });

  it("a blank title shows the validation error next to the form, and the next success clears it", async () => {
    await addTodo(tabA, "   ");
    await tabA.waitForSelector("#covara-errors-0-0 .covara-error [data-field=title]", WAIT);
    expect(await tabA.textContent("#covara-errors-0-0")).toContain("must not be blank");
    expect(await rowCount(tabA)).toBe(1);
    await tabA.screenshot({ path: join(SHOTS, "2-validation.png") });
    await addTodo(tabA, "Water plants");
    await waitForTitles(tabA, ["Buy oat milk", "Water plants"]);
    await tabA.waitForFunction(() => document.querySelector("#covara-errors-0-0")?.textContent === "", undefined, WAIT);
  });

  it("a todo added offline is queued in the page and replayed when the browser is back online", async () => {
    await tabA.context().setOffline(true);
    await addTodo(tabA, "Offline errand");
    await tabA.waitForFunction(
      () => document.documentElement.getAttribute("data-covara-queued") === "1",
      undefined,
      WAIT,
    );
    expect(await tabA.evaluate(() => JSON.parse(localStorage.getItem("covara-live-queue") ?? "[]").length)).toBe(1);
    await tabA.waitForTimeout(300);
    expect(await titles(tabB)).toEqual(["Buy oat milk", "Water plants"]);
    await tabA.context().setOffline(false);
    await waitForTitles(tabB, ["Buy oat milk", "Water plants", "Offline errand"]);
    await waitForTitles(tabA, ["Buy oat milk", "Water plants", "Offline errand"]);
    expect(await tabA.getAttribute("html", "data-covara-queued")).toBe("0");
    await tabA.screenshot({ path: join(SHOTS, "3-after-offline.png") });
  });

  it("a delete made offline hides the row at once and reaches the other tab after reconnecting", async () => {
    await tabA.context().setOffline(true);
    await tabA.locator("[data-covara-row]").nth(2).locator("button.delete").click();
    expect(await rowCount(tabA)).toBe(2);
    await tabA.waitForFunction(
      () => document.documentElement.getAttribute("data-covara-queued") === "1",
      undefined,
      WAIT,
    );
    await tabA.context().setOffline(false);
    await waitForTitles(tabB, ["Buy oat milk", "Water plants"]);
    await waitForTitles(tabA, ["Buy oat milk", "Water plants"]);
  });

  it("a write whose request cannot reach the server is queued and replayed", async () => {
    await tabA.route("**/__covara/live/*/create", (route) => route.abort("internetdisconnected"));
    await addTodo(tabA, "Flaky network");
    await tabA.waitForFunction(
      () => document.documentElement.getAttribute("data-covara-queued") === "1",
      undefined,
      WAIT,
    );
    await tabA.unroute("**/__covara/live/*/create");
    await tabA.evaluate(() => window.dispatchEvent(new Event("online")));
    await waitForTitles(tabB, ["Buy oat milk", "Water plants", "Flaky network"]);
    await waitForTitles(tabA, ["Buy oat milk", "Water plants", "Flaky network"]);
  });

  it("the spec's example, verbatim, lists, creates and deletes live", async () => {
    const context = await contextFor("carol");
    const open = async () => {
      const page = await context.newPage();
      await page.goto(`${server.url}/spec-todos`);
      await page.waitForSelector("[data-covara-connected]", WAIT);
      return page;
    };
    const [one, two] = [await open(), await open()];
    const items = (page: Page) =>
      page.$$eval("li[data-covara-row]", (rows) => rows.map((row) => row.firstChild?.textContent ?? ""));
    await one.fill("input[name=title]", "Spec todo");
    await one.click("form button");
    await two.waitForFunction(() => document.querySelectorAll("li[data-covara-row]").length === 1, undefined, WAIT);
    expect(await items(two)).toEqual(["Spec todo"]);
    expect(await items(one)).toEqual(["Spec todo"]);
    await one.screenshot({ path: join(SHOTS, "5-spec.png") });
    await two.click("li[data-covara-row] button");
    await one.waitForFunction(() => document.querySelectorAll("li[data-covara-row]").length === 0, undefined, WAIT);
    expect(violations).toEqual([]);
  });

  it("the CSP is enforced: an inline script without the nonce is refused (and would be reported above)", async () => {
    const page = await (await contextFor("dave")).newPage();
    const refused: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${server.url}/todos`);
    await page.waitForSelector("[data-covara-connected]", WAIT);
    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "document.title = 'injected'";
      document.body.append(script);
    });
    await page.waitForTimeout(200);
    expect(await page.title()).toBe("Todos");
    expect(refused.length).toBeGreaterThan(0);
  });

  it("another user never sees these rows, live or on reload, and has their own", async () => {
    expect(await rowCount(bob)).toBe(0);
    await addTodo(bob, "Bob's private task");
    await waitForTitles(bob, ["Bob's private task"]);
    await addTodo(tabA, "Alice again");
    await waitForTitles(tabB, ["Buy oat milk", "Water plants", "Flaky network", "Alice again"]);
    await bob.waitForTimeout(500);
    expect(await titles(bob)).toEqual(["Bob's private task"]);
    expect(await titles(tabB)).not.toContain("Bob's private task");
    await bob.reload();
    await bob.waitForSelector("[data-covara-connected]", WAIT);
    expect(await titles(bob)).toEqual(["Bob's private task"]);
    expect(await bob.content()).not.toContain("Alice");
    await bob.screenshot({ path: join(SHOTS, "4-bob.png") });
    expect(violations).toEqual([]);
  });

  it("a row created or moved by someone else takes its place in the region's order, not the end", async () => {
    const api = (method: string, path: string, body: unknown) =>
      tabA.evaluate(
        async ([verb, url, json]) =>
          (
            await fetch(url, {
              method: verb,
              headers: { "content-type": "application/json" },
              body: JSON.stringify(json),
            })
          ).json(),
        [method, path, body] as const,
      );
    const before = ["Buy oat milk", "Water plants", "Flaky network", "Alice again"];
    const first = (await api("POST", "/api/todos", { title: "First of all", position: -1 })) as { id: number };
    await waitForTitles(tabB, ["First of all", ...before]);
    await waitForTitles(tabA, ["First of all", ...before]);
    await api("PATCH", `/api/todos/${first.id}`, { position: 5 });
    await waitForTitles(tabB, [...before, "First of all"]);
    await api("PATCH", `/api/todos/${first.id}`, { position: 0 });
    // Equal positions fall back to the id, as the list endpoint orders them.
    await waitForTitles(tabB, [...before, "First of all"]);
    await tabB.reload();
    await tabB.waitForSelector("[data-covara-connected]", WAIT);
    expect(await titles(tabB)).toEqual([...before, "First of all"]);
    expect(violations).toEqual([]);
  });
});
