/**
 * Every string of the Big List of Naughty Strings, as row data, filter text, audit and log lines,
 * comes out of the admin pages escaped: no tag, attribute or script the page did not write itself.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryAuditStore, type AdminLogSource } from "../../src/admin";
import { ADMIN, adminApp, as, csrfOf, page, postForm, userManager } from "./helpers/admin-app";

const require = createRequire(import.meta.url);
const NAUGHTY: string[] = JSON.parse(
  readFileSync(require.resolve("big-list-of-naughty-strings/blns.json"), "utf8"),
).filter((text: string) => text.trim() !== "");

/** The tags the admin pages write; a payload that became markup shows up as another tag. */
const OWN_TAGS = new Set(
  "html head meta title link script body nav div a small main h1 h2 p code span form label input button table thead tbody tr th td details summary select option textarea pre meter b".split(
    " ",
  ),
);

/** Fails when the HTML has a tag the UI never writes, an event-handler attribute, or more than its one script. */
function expectOnlyOwnMarkup(html: string): void {
  const tags = [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)];
  const foreign = tags.map((match) => match[1]!.toLowerCase()).filter((tag) => !OWN_TAGS.has(tag));
  expect(foreign).toEqual([]);
  for (const [, , attributes] of tags) {
    const names = attributes!.replace(/"[^"]*"/g, '""');
    expect(names).not.toMatch(/(^|\s)on[a-z]+\s*=|javascript:|srcdoc|formaction/i);
  }
  expect(html.match(/<script\b/gi)).toHaveLength(1);
}

let made: Awaited<ReturnType<typeof adminApp>>;
const logLines = NAUGHTY.map((text, index) => ({
  time: index,
  method: "GET",
  path: `/api/${text}`,
  status: 404,
  durationMs: 1,
  userId: text,
}));
const logs: AdminLogSource = {
  requests: async (limit) => logLines.slice(0, limit),
  errors: async (limit) =>
    NAUGHTY.slice(0, limit).map((text, index) => ({ time: index, message: text, code: text, path: text })),
};

beforeAll(async () => {
  made = await adminApp({ userManager: userManager(), audit: createMemoryAuditStore(5000), logs });
  for (const text of NAUGHTY) made.insert({ title: text, ownerId: "bob", notes: text });
});
afterAll(() => made.close());

describe("naughty strings in the admin UI", () => {
  it(`shows ${NAUGHTY.length} naughty row values escaped on every page of the data explorer`, async () => {
    let next: string | undefined = "/__covara/ui/data/todos?limit=100";
    let pages = 0;
    let seen = "";
    while (next) {
      const html = await page(made.app, next);
      expectOnlyOwnMarkup(html);
      seen += html;
      pages++;
      next = /href="([^"]*cursor=[^"]+)">Next page/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    }
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(NAUGHTY.length / 100));
    // The payloads are there, as text.
    expect(seen).toContain("&lt;script&gt;alert(");
    expect(seen).toContain("&lt;img src=x onerror=alert(");
    const edit = await page(made.app, "/__covara/ui/data/todos?limit=100&edit=5");
    expect(edit).toContain("Save changes");
    expectOnlyOwnMarkup(edit);
  });

  it("shows naughty filter text (and the parse errors it causes) escaped", async () => {
    for (const text of NAUGHTY) {
      const response = await made.app.request(
        `/__covara/ui/data/todos?limit=1&filter=${encodeURIComponent(text)}&select=${encodeURIComponent(text)}`,
        { headers: as(ADMIN) },
      );
      expect(response.status === 200 || response.status === 400).toBe(true);
      expectOnlyOwnMarkup(await response.text());
    }
  });

  it("shows naughty audit, request and error log lines escaped", async () => {
    const csrf = csrfOf(await page(made.app, "/__covara/ui/api"));
    for (const text of NAUGHTY.slice(0, 120)) {
      const response = await postForm(made.app, "/__covara/ui/api", ADMIN, {
        _csrf: csrf,
        method: "GET",
        path: `/api/todos/${text}`,
        query: `filter=${text}`,
        body: text,
        as: "",
      });
      expect(response.status === 200 || response.status === 400).toBe(true);
      expectOnlyOwnMarkup(await response.text());
    }
    expectOnlyOwnMarkup(await page(made.app, "/__covara/ui/audit"));
    expectOnlyOwnMarkup(await page(made.app, "/__covara/ui/logs"));
    expectOnlyOwnMarkup(await page(made.app, "/__covara/ui/logs?kind=errors"));
    expectOnlyOwnMarkup(await page(made.app, "/__covara/ui/metrics"));
    expectOnlyOwnMarkup(await page(made.app, "/__covara/ui"));
  });
});
