/**
 * The billing hooks in Chromium: a React page using useCredits, useSubscription and useCheckout,
 * served with the billing router (provider: a local Stripe stand-in). It shows the balance and the
 * subscription after the provider's webhook, marks the subscription ending after Cancel, and the
 * Upgrade button takes the browser to the checkout URL the provider answered.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bundleReactApp, hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBillingTestServer, type BillingTestServer } from "./fixtures/billing-server";

warnIfNoChromium("billing browser test");
const SHOTS = mkdtempSync(join(tmpdir(), "covara-billing-shots-"));

let browser: Browser;
let server: BillingTestServer;

beforeAll(async () => {
  if (!hasChromium) return;
  const appJs = await bundleReactApp(new URL("./browser/billing-app.tsx", import.meta.url));
  // The page's requests carry no account header: the server bills everything to user_1.
  server = await startBillingTestServer("user_1");
  server.app.get("/account", (c) =>
    c.html(
      '<!doctype html><html><head><meta charset="utf-8"><title>billing</title></head><body><div id="root"></div><script type="module" src="/billing-app.js"></script></body></html>',
    ),
  );
  server.app.get("/billing-app.js", (c) => c.body(appJs, 200, { "content-type": "text/javascript; charset=utf-8" }));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.skipIf(!hasChromium)("billing hooks in Chromium", () => {
  it("shows credits and the subscription, cancels and resumes, and Upgrade goes to checkout", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/account`);
      await page.waitForFunction(() => document.querySelector("#credits")?.textContent === "Credits: 0");
      expect(await page.textContent("#subscription")).toBe("No subscription");

      expect((await server.pay("user_1", "evt_browser_1")).status).toBe(200);
      await page.reload();
      await page.waitForFunction(() => document.querySelector("#credits")?.textContent === "Credits: 10000");
      await page.waitForFunction(
        () => document.querySelector("#subscription")?.textContent === "Plan: pro_monthly (renews)",
      );

      // The action invalidates the billing queries: the page refetches and shows the change.
      await page.click("#cancel");
      await page.waitForFunction(
        () => document.querySelector("#subscription")?.textContent === "Plan: pro_monthly (ends at period end)",
      );
      await page.screenshot({ path: join(SHOTS, "billing-account.png") });
      await page.click("#resume");
      await page.waitForFunction(
        () => document.querySelector("#subscription")?.textContent === "Plan: pro_monthly (renews)",
      );

      await Promise.all([page.waitForURL(`${server.url}/checkout-landing`), page.click("#upgrade")]);
      expect(await page.textContent("h1")).toBe("Stripe checkout (local)");
      console.info(`billing screenshot: ${join(SHOTS, "billing-account.png")}`);
    } finally {
      await page.close();
    }
  }, 60_000);
});
