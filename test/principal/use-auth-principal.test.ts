/**
 * `useAuth({ principal })`: an app built on a plain Hono app with useAuth and useResource (no
 * createCovara) gets the same principal — memberships resolved once per request, right after
 * authentication — and tenant scopes work on its resources; `createCovara({ auth })` reuses the
 * option without reading the memberships twice, and refuses two different ones.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createCovara, requireRole, tenantScope, useResource, type CovaraEnv } from "../../src";
import { useAuth, type AuthenticatedRequest, type SessionStrategy } from "../../src/auth";

/** A session strategy that trusts an `x-test-user` header holding the user's id (tests only). */
const headerStrategy: SessionStrategy = {
  name: "test-header",
  async issue() {
    return {};
  },
  async authenticate(c): Promise<AuthenticatedRequest | null> {
    const id = c.req.header("x-test-user");
    return id ? { user: { id, email: `${id}@example.com` } } : null;
  },
  async revoke() {},
  async revokeAll() {},
};

const MEMBERSHIPS: Record<string, { tenantId: number; roles: string[]; clearance: number }[]> = {
  ann: [{ tenantId: 1, roles: ["owner"], clearance: 2 }],
  bob: [{ tenantId: 2, roles: ["viewer"], clearance: 0 }],
};

function counted() {
  const calls: string[] = [];
  return {
    calls,
    principal: {
      memberships: (user: { id: string | number }) => {
        calls.push(String(user.id));
        return MEMBERSHIPS[String(user.id)] ?? [];
      },
    },
  };
}

const projects = sqliteTable("projects", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  tenantId: integer("tenant_id").notNull(),
  name: text("name").notNull(),
});

describe("useAuth({ principal }) without createCovara", () => {
  it("sets c.get('principal') after authentication, once per request, and tenant scopes use it", async () => {
    const client = new Database(":memory:");
    client.exec(
      "create table projects (id integer primary key autoincrement, tenant_id integer not null, name text not null)",
    );
    client.exec("insert into projects (tenant_id, name) values (1, 'ann''s'), (2, 'bob''s')");
    const db = drizzle(client);
    const { calls, principal } = counted();
    const auth = useAuth({ strategy: headerStrategy, principal });
    const app = new Hono<CovaraEnv>();
    app.use("*", auth.middleware);
    app.route("/api/auth", auth.router);
    app.get("/me", (c) => {
      const p = c.get("principal")!;
      return c.json({ id: p.id, tenants: p.tenants, clearance: p.highest_clearance, owner: p.hasRole("owner") });
    });
    app.get("/owners", requireRole("owner"), (c) => c.text("ok"));
    app.route("/api/projects", useResource(projects, { id: projects.id, db, auth: { read: tenantScope("tenantId") } }));

    const me = await app.request("/me", { headers: { "x-test-user": "ann" } });
    expect(await me.json()).toEqual({ id: "ann", tenants: [1], clearance: 2, owner: true });
    expect(calls).toEqual(["ann"]);
    expect((await app.request("/owners", { headers: { "x-test-user": "bob" } })).status).toBe(403);
    expect((await app.request("/owners", { headers: { "x-test-user": "ann" } })).status).toBe(200);
    const anonymous = await app.request("/me");
    expect(await anonymous.json()).toEqual({ id: null, tenants: [], clearance: 0, owner: false });

    const list = await app.request("/api/projects", { headers: { "x-test-user": "bob" } });
    expect(((await list.json()) as { items: { name: string }[] }).items.map((row) => row.name)).toEqual(["bob's"]);
    // The auth router runs the same middleware: still one resolution per request.
    calls.length = 0;
    await app.request("/api/auth/me", { headers: { "x-test-user": "ann" } });
    expect(calls).toEqual(["ann"]);
    client.close();
  });

  it("is what createCovara({ auth }) resolves, without reading the memberships twice", async () => {
    const { calls, principal } = counted();
    const app = createCovara({ auth: useAuth({ strategy: headerStrategy, principal }) });
    app.get("/me", (c) => c.json({ tenants: c.get("principal")!.tenants }));
    expect(await (await app.request("/me", { headers: { "x-test-user": "bob" } })).json()).toEqual({ tenants: [2] });
    expect(calls).toEqual(["bob"]);
  });

  it("refuses two different principal options at startup", () => {
    expect(() =>
      createCovara({
        auth: useAuth({ strategy: headerStrategy, principal: counted().principal }),
        principal: counted().principal,
      }),
    ).toThrow(/not both/);
  });
});
