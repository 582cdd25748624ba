/**
 * The auth contracts' "Admin Scope Bypass" and "Admin Impersonation" sections, one test per bullet
 * (named after it), driven through a real app over SQLite.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { rsql, useResource } from "../../src";
import { createMemoryAuditStore, type AdminAuditStore, type AdminOptions } from "../../src/admin";
import { pushTables } from "../../src/db";
import type { CovaraEnv } from "../../src/kernel/http";
import { ADMIN, adminApp, ANN, as, BOB, csrfOf, page, postForm, todos, userManager } from "./helpers/admin-app";

const BYPASS = { "x-covara-admin-bypass": "1" };
const KEY = "admin-key-1234567890";

let close: (() => void) | undefined;
afterEach(() => close?.());

async function setup(options: AdminOptions | false = {}) {
  const audit = createMemoryAuditStore();
  const made = await adminApp(
    options === false ? false : { userManager: userManager(), apiKeys: [KEY], audit, ...options },
  );
  close = made.close;
  made.insert({ title: "ann's", ownerId: "ann" });
  made.insert({ title: "bob's", ownerId: "bob" });
  made.insert({ title: "ada's", ownerId: "ada" });
  const list = async (headers: Record<string, string>) => {
    const response = await made.app.request("/api/todos", { headers });
    const body = await response.json();
    return {
      status: response.status,
      titles: response.ok ? body.items.map((item: { title: string }) => item.title).sort() : body.code,
    };
  };
  return { ...made, audit, list };
}

async function actions(audit: AdminAuditStore) {
  return (await audit.recent(100)).map(({ action, adminId, impersonatedId }) => ({ action, adminId, impersonatedId }));
}

describe("Admin Scope Bypass (Admin UI)", () => {
  it("Identity re-verification, no secret: The resource layer skips per-resource auth scopes only when the request carries the x-covara-admin-bypass marker and its authenticated user (or forwarded admin apiKey) passes the registered admin predicate. The marker is not a secret and grants nothing on its own", async () => {
    const { list } = await setup();
    expect(await list(as(ADMIN, BYPASS))).toEqual({ status: 200, titles: ["ada's", "ann's", "bob's"] });
    expect(await list(as(ADMIN))).toEqual({ status: 200, titles: [] });
    expect(await list({ "x-covara-admin-key": KEY, ...BYPASS })).toEqual({
      status: 200,
      titles: ["ada's", "ann's", "bob's"],
    });
    // The key alone is no identity for the resource: without the marker the request is anonymous.
    expect(await list({ "x-covara-admin-key": KEY })).toEqual({ status: 401, titles: "UNAUTHORIZED" });
    expect(await list(BYPASS)).toEqual({ status: 401, titles: "UNAUTHORIZED" });
  });

  it("Leaked marker is inert: A non-admin presenting the marker is served under normal scope enforcement (fail-closed); the marker value is constant and confers no authority", async () => {
    const { list, audit, app } = await setup();
    expect(await list(as(ANN, BYPASS))).toEqual({ status: 200, titles: ["ann's"] });
    expect(await list(as(ANN, { ...BYPASS, "x-covara-admin-key": "guessed-key" }))).toEqual({
      status: 200,
      titles: ["ann's"],
    });
    expect(await list(as(ANN, { "x-covara-admin-bypass": "true, admin" }))).toEqual({ status: 200, titles: ["ann's"] });
    const write = await app.request("/api/todos/2", {
      method: "PATCH",
      headers: as(ANN, { ...BYPASS, "content-type": "application/json" }),
      body: JSON.stringify({ title: "stolen" }),
    });
    expect(write.status).toBe(404);
    expect(await actions(audit)).toEqual([]);
  });

  it("Disabled by default: Bypass is inert unless an admin predicate is registered, which happens only when the admin UI is mounted via createCovara; standalone useResource never bypasses", async () => {
    const { list } = await setup(false);
    expect(await list(as(ADMIN, BYPASS))).toEqual({ status: 200, titles: [] });
    // A standalone resource router: no app, no predicate, no bypass.
    const sqlite = new Database(":memory:");
    const db = drizzle(sqlite);
    await pushTables(db, [todos]);
    sqlite.prepare("insert into todos (title, owner_id) values ('ann''s', 'ann')").run();
    const standalone = new Hono<CovaraEnv>();
    standalone.use("*", async (c, next) => {
      c.set("user", ADMIN);
      await next();
    });
    standalone.route(
      "/todos",
      useResource(todos, { db, id: todos.id, auth: { read: (user) => rsql`ownerId==${String(user.id)}` } }),
    );
    const response = await standalone.request("/todos", { headers: BYPASS });
    expect((await response.json()).items).toEqual([]);
    sqlite.close();
  });

  it("Gated on admin auth: The admin predicate is derived from the UI's security config — locking down the UI's auth locks down bypass", async () => {
    const locked = await setup({ isAdmin: () => false, apiKeys: [] });
    expect((await locked.app.request("/__covara/ui", { headers: as(ADMIN) })).status).toBe(403);
    expect(await locked.list(as(ADMIN, BYPASS))).toEqual({ status: 200, titles: [] });
    locked.close();
    const custom = await setup({ roles: ["superuser"] });
    const superuser = { id: "ann", role: "superuser" };
    expect((await custom.app.request("/__covara/ui", { headers: as(superuser) })).status).toBe(200);
    expect(await custom.list(as(superuser, BYPASS))).toEqual({ status: 200, titles: ["ada's", "ann's", "bob's"] });
    // The default role no longer passes: the UI and the bypass follow the same config.
    expect((await custom.app.request("/__covara/ui", { headers: as(ADMIN) })).status).toBe(403);
    expect(await custom.list(as(ADMIN, BYPASS))).toEqual({ status: 200, titles: [] });
  });

  it("Audited: Every bypassed API-explorer request is recorded in the admin audit log (api_explorer_execute)", async () => {
    const { app, audit, list } = await setup();
    const csrf = csrfOf(await page(app, "/__covara/ui/api"));
    const executed = await postForm(app, "/__covara/ui/api", ADMIN, {
      _csrf: csrf,
      method: "GET",
      path: "/api/todos",
      query: "",
      body: "",
      as: "",
    });
    expect(executed.status).toBe(200);
    const html = await executed.text();
    expect(html).toContain("bob&#39;s");
    await list({ "x-covara-admin-key": KEY, ...BYPASS });
    const recorded = (await audit.recent(100)).filter((entry) => entry.action === "api_explorer_execute");
    expect(
      recorded.map((entry) => [
        entry.adminId.startsWith("apikey:") ? "apikey" : entry.adminId,
        entry.method,
        entry.path,
      ]),
    ).toEqual([
      ["apikey", "GET", "/api/todos"],
      ["root", "GET", "/api/todos"],
    ]);
  });

  it("Audited once per action: the bypassed reads behind the UI's pages (overview counts, the explorer's OpenAPI document, a data page's list and live rows) are not each an api_explorer_execute", async () => {
    const { app, audit } = await setup();
    await page(app, "/__covara/ui");
    await page(app, "/__covara/ui/api");
    await page(app, "/__covara/ui/data/todos");
    const live = await app.request("/__covara/ui/data/todos/live", { headers: as(ADMIN) });
    expect(live.status).toBe(200);
    await live.body?.cancel();
    // The data page is the one explicit action: recorded once, under its own name.
    expect(await actions(audit)).toEqual([
      { action: "data_explorer_list", adminId: "root", impersonatedId: undefined },
    ]);
  });
});

describe("Admin Impersonation (Admin UI)", () => {
  const impersonate = (id: string) => ({ "x-covara-impersonate": id });

  it("Runs as the target, under their scope: A request carrying the x-covara-impersonate: <userId> marker resolves the impersonated user's per-operation scope and attributes writes to them — it does NOT grant allScope()", async () => {
    const { app, list, hooks } = await setup();
    expect(await list(as(ADMIN, impersonate("ann")))).toEqual({ status: 200, titles: ["ann's"] });
    const created = await app.request("/api/todos", {
      method: "POST",
      headers: as(ADMIN, { ...impersonate("ann"), "content-type": "application/json" }),
      body: JSON.stringify({ title: "as ann", ownerId: "ann" }),
    });
    expect(created.status).toBe(201);
    expect(hooks.created.at(-1)).toEqual({ title: "as ann", by: "ann" });
    const outside = await app.request("/api/todos", {
      method: "POST",
      headers: as(ADMIN, { ...impersonate("ann"), "content-type": "application/json" }),
      body: JSON.stringify({ title: "for bob", ownerId: "bob" }),
    });
    expect(outside.status).toBe(403);
    expect((await app.request("/api/todos/2", { headers: as(ADMIN, impersonate("ann")) })).status).toBe(404);
  });

  it("Identity re-verification, no secret: The marker is honored only when the forwarded request's real authenticated user passes the admin predicate (same test as bypass) and a userManager-backed resolver yields the target user; a forged/leaked marker from a non-admin is inert", async () => {
    const { list, app, audit } = await setup();
    expect(await list(as(BOB, impersonate("ann")))).toEqual({ status: 200, titles: ["bob's"] });
    expect(await list(impersonate("ann"))).toEqual({ status: 401, titles: "UNAUTHORIZED" });
    const unknown = await app.request("/api/todos", { headers: as(ADMIN, impersonate("nobody")) });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe("IMPERSONATION_TARGET_NOT_FOUND");
    expect(await list({ "x-covara-admin-key": KEY, ...impersonate("ann") })).toEqual({
      status: 200,
      titles: ["ann's"],
    });
    expect(
      (await actions(audit)).filter((entry) => entry.impersonatedId !== undefined).map((entry) => entry.impersonatedId),
    ).toEqual(["ann"]);
    close?.();
    const withoutUsers = await setup({ userManager: undefined });
    expect((await withoutUsers.app.request("/api/todos", { headers: as(ADMIN, impersonate("ann")) })).status).toBe(404);
  });

  it("Replaces bypass, never stacks: When impersonation is active the scope layer uses the impersonated user's scope and skips the bypass branch entirely — impersonating an admin yields only that admin's scope, never full bypass (no escalation)", async () => {
    const { list, audit } = await setup();
    expect(await list(as(ADMIN, { ...BYPASS, ...impersonate("ada") }))).toEqual({ status: 200, titles: ["ada's"] });
    expect(await list(as(ADMIN, { ...BYPASS, ...impersonate("ann") }))).toEqual({ status: 200, titles: ["ann's"] });
    // Two targets in one header are no user: nothing stacks.
    expect((await list(as(ADMIN, { "x-covara-impersonate": "ann, bob" }))).status).toBe(404);
    expect((await actions(audit)).map((entry) => entry.action)).not.toContain("api_explorer_execute");
  });

  it('Single effective-user swap: A middleware swaps c.get("user") to the impersonated user once, so scope, write attribution, and hooks all observe the same identity; admin-UI routes (/__covara/*) are exempt so admin authorization is unaffected', async () => {
    const { app, hooks, rows } = await setup();
    const patched = await app.request("/api/todos/1", {
      method: "PATCH",
      headers: as(ADMIN, { ...impersonate("ann"), "content-type": "application/json" }),
      body: JSON.stringify({ done: true }),
    });
    expect(patched.status).toBe(200);
    expect(hooks.updated).toEqual(["ann"]);
    expect(rows()[0]).toMatchObject({ done: 1, owner_id: "ann" });
    const deleted = await app.request("/api/todos/1", { method: "DELETE", headers: as(ADMIN, impersonate("ann")) });
    expect(deleted.status).toBe(204);
    expect(hooks.deleted).toEqual(["ann"]);
    // The UI stays the admin's: impersonating a non-admin does not lock the admin out.
    expect((await app.request("/__covara/ui", { headers: as(ADMIN, impersonate("ann")) })).status).toBe(200);
    expect((await app.request("/__covara/openapi.json", { headers: as(ADMIN, impersonate("nobody")) })).status).toBe(
      200,
    );
  });

  it("Audited with both ids: Every impersonated action records the real admin id and the impersonated user id (impersonate_execute, data_explorer_list)", async () => {
    const { app, list, audit } = await setup();
    await list(as(ADMIN, impersonate("ann")));
    const html = await page(app, "/__covara/ui/data/todos?as=bob");
    expect(html).toContain("bob&#39;s");
    expect(html).not.toContain("ann&#39;s");
    const recorded = await actions(audit);
    expect(recorded).toContainEqual({ action: "impersonate_execute", adminId: "root", impersonatedId: "ann" });
    expect(recorded).toContainEqual({ action: "data_explorer_list", adminId: "root", impersonatedId: "bob" });
    // The data explorer's own read as bob is an impersonated action too.
    expect(recorded).toContainEqual({ action: "impersonate_execute", adminId: "root", impersonatedId: "bob" });
  });
});
