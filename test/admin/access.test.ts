/**
 * The admin UI's lock: anonymous and non-admin requests to every UI and API-explorer route get
 * 401/403 problem+json that leaks nothing and audits nothing; state changes need the CSRF token
 * and a same-origin Origin; every page carries a nonce CSP and loads nothing from elsewhere.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/admin";
import { ADMIN, adminApp, ANN, as, csrfOf, page, postForm, userManager } from "./helpers/admin-app";

let close: (() => void) | undefined;
afterEach(() => close?.());

const KEY = "admin-key-1234567890";

async function setup() {
  const audit = createMemoryAuditStore();
  const made = await adminApp({ userManager: userManager(), apiKeys: [KEY], audit });
  close = made.close;
  made.insert({ title: "secret title", ownerId: "bob" });
  return { ...made, audit };
}

/** Every route of the UI, with a method. */
const ROUTES: Array<[string, string]> = [
  ["GET", "/__covara/ui"],
  ["GET", "/__covara/ui/"],
  ["GET", "/__covara/ui/data"],
  ["GET", "/__covara/ui/data/todos"],
  ["GET", "/__covara/ui/data/todos?filter=title==*secret*"],
  ["GET", "/__covara/ui/data/nope"],
  ["POST", "/__covara/ui/data/todos/rows"],
  ["POST", "/__covara/ui/data/todos/rows/1"],
  ["POST", "/__covara/ui/data/todos/rows/1/delete"],
  ["GET", "/__covara/ui/data/attachments/rows/1/download"],
  ["GET", "/__covara/ui/data/todos/live"],
  ["GET", "/__covara/ui/api"],
  ["POST", "/__covara/ui/api"],
  ["GET", "/__covara/ui/audit"],
  ["GET", "/__covara/ui/logs"],
  ["GET", "/__covara/ui/logs?kind=errors"],
  ["GET", "/__covara/ui/metrics"],
  ["GET", "/__covara/ui/tasks"],
  ["GET", "/__covara/ui/tasks?state=dlq"],
  ["POST", "/__covara/ui/tasks/abc/replay"],
  ["GET", "/__covara/ui/auth"],
  ["GET", "/__covara/ui/auth?user=ann"],
  ["POST", "/__covara/ui/auth/users/ann/sessions/s1/revoke"],
  ["POST", "/__covara/ui/auth/users/ann/keys/k1/revoke"],
  ["GET", "/__covara/ui/assets/admin-anything.js"],
  ["GET", "/__covara/ui/does-not-exist"],
];

describe("admin UI access", () => {
  it.each([
    ["anonymous", {}, 401, "UNAUTHORIZED"],
    ["a member", as(ANN), 403, "FORBIDDEN"],
    [
      "a member with a forged admin key and the markers",
      as(ANN, { "x-covara-admin-key": "nope", "x-covara-admin-bypass": "1", "x-covara-impersonate": "root" }),
      403,
      "FORBIDDEN",
    ],
    ["an anonymous caller with a wrong admin key", { "x-covara-admin-key": `${KEY}x` }, 403, "FORBIDDEN"],
  ])(
    "%s probing every UI route is refused (401/403), nothing leaked, nothing audited",
    async (_who, headers: Record<string, string>, status, code) => {
      const { app, audit, rows } = await setup();
      for (const [method, path] of ROUTES) {
        const body =
          method === "POST"
            ? new URLSearchParams({ title: "x", ownerId: "bob", method: "GET", path: "/api/todos" }).toString()
            : undefined;
        const response = await app.request(path, {
          method,
          headers: { ...headers, ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
          body,
        });
        const text = await response.text();
        expect([path, response.status]).toEqual([path, status]);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        expect(JSON.parse(text).code).toBe(code);
        expect(text).not.toMatch(/secret title|todos|csrf|nonce|stack/i);
      }
      expect(await audit.recent(100)).toEqual([]);
      expect(rows()).toHaveLength(1);
    },
  );

  it("lets an admin session user and an admin API key in", async () => {
    const { app } = await setup();
    expect((await app.request("/__covara/ui", { headers: as(ADMIN) })).status).toBe(200);
    expect((await app.request("/__covara/ui", { headers: { "x-covara-admin-key": KEY } })).status).toBe(200);
    expect((await app.request("/__covara/ui/tasks", { headers: { "x-covara-admin-key": KEY } })).status).toBe(200);
  });

  it("is not mounted with admin: false", async () => {
    const made = await adminApp(false);
    close = made.close;
    expect((await made.app.request("/__covara/ui", { headers: as(ADMIN) })).status).toBe(404);
  });

  it("serves every page with a nonce CSP, its own stylesheet and script, and no inline script or style", async () => {
    const { app } = await setup();
    for (const path of [
      "/__covara/ui",
      "/__covara/ui/data/todos",
      "/__covara/ui/api",
      "/__covara/ui/audit",
      "/__covara/ui/logs",
      "/__covara/ui/metrics",
      "/__covara/ui/tasks",
      "/__covara/ui/auth",
    ]) {
      const response = await app.request(path, { headers: as(ADMIN) });
      expect(response.status).toBe(200);
      const csp = response.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
      expect(scripts).toHaveLength(1);
      expect(scripts[0]).toContain(`nonce="${nonce}"`);
      expect(scripts[0]).toMatch(/src="\/__covara\/ui\/assets\/admin-[A-Za-z0-9]+\.js"/);
      expect(html).not.toMatch(/<style|style="|\son[a-z]+="|https?:\/\//);
      const [, styles] = /href="(\/__covara\/ui\/assets\/[^"]+\.css)"/.exec(html) ?? [];
      const css = await app.request(styles!, { headers: as(ADMIN) });
      expect(css.headers.get("content-type")).toContain("text/css");
      const js = await app.request(/src="([^"]+)"/.exec(scripts[0]!)![1]!, { headers: as(ADMIN) });
      expect(js.headers.get("content-type")).toContain("text/javascript");
    }
  });

  it("refuses a state change without the CSRF token, with another admin's token, or from another origin", async () => {
    const { app, rows, hooks } = await setup();
    const token = csrfOf(await page(app, "/__covara/ui/data/todos"));
    const fields = { title: "made", ownerId: "root", done: "false", notes: "" };
    const missing = await postForm(app, "/__covara/ui/data/todos/rows", ADMIN, fields);
    expect([missing.status, (await missing.json()).code]).toEqual([403, "ADMIN_CSRF_INVALID"]);
    const otherAdmin = { id: "other", role: "admin" };
    const stolen = await postForm(app, "/__covara/ui/data/todos/rows", otherAdmin, { ...fields, _csrf: token });
    expect(stolen.status).toBe(403);
    const crossSite = await postForm(
      app,
      "/__covara/ui/data/todos/rows",
      ADMIN,
      { ...fields, _csrf: token },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    const deleted = await postForm(app, "/__covara/ui/data/todos/rows/1/delete", ADMIN, {});
    expect(deleted.status).toBe(403);
    expect(rows()).toHaveLength(1);
    expect(hooks.created).toEqual([]);
    const ok = await postForm(
      app,
      "/__covara/ui/data/todos/rows",
      ADMIN,
      { ...fields, _csrf: token },
      { origin: "http://localhost" },
    );
    expect(ok.status).toBe(303);
    expect(rows()).toHaveLength(2);
  });
});
