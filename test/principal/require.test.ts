/**
 * `requireRole` / `requireClearance`: 401 UNAUTHORIZED for anonymous requests, 403 MISSING_ROLE /
 * INSUFFICIENT_CLEARANCE with problem+json otherwise; the tenant may come from the request. Also
 * `c.get("principal")` itself and the principal without a resolver.
 */
import { describe, expect, it } from "vitest";
import { createCovara, getPrincipal, requireClearance, requireRole } from "../../src";
import { send } from "../helpers/app";

const identity = {
  authenticate: (c: { req: { header(name: string): string | undefined } }) => {
    const header = c.req.header("x-test-user");
    return header ? JSON.parse(header) : null;
  },
};

function app() {
  const covara = createCovara({
    ...identity,
    principal: {
      memberships: (user) =>
        user.id === 1
          ? [
              { tenantId: "acme", roles: ["admin", "editor"], clearance: 4 },
              { tenantId: 7, roles: ["viewer"], clearance: 1 },
            ]
          : [],
    },
  });
  covara.get("/me", (c) => {
    const p = c.get("principal")!;
    return c.json({
      isAuthenticated: p.isAuthenticated,
      id: p.id,
      name: p.name,
      tenants: p.tenants,
      highest: p.highest_clearance,
      inSeven: p.clearanceIn("7"),
    });
  });
  covara.get("/admin", requireRole("admin"), (c) => c.text("ok"));
  covara.get("/t/:tenant/edit", requireRole(["editor", "owner"], { tenant: (c) => c.req.param("tenant") }), (c) =>
    c.text("ok"),
  );
  covara.get("/secret", requireClearance(3), (c) => c.text("ok"));
  covara.get("/t/:tenant/secret", requireClearance(3, { tenant: (c) => c.req.param("tenant") }), (c) => c.text("ok"));
  return covara;
}

const ada = { id: 1, username: "ada" };
const bob = { id: 2, name: "Bob" };

describe("principal", () => {
  it("exposes the user, the tenants and the clearance per tenant", async () => {
    const res = await send(app(), "GET", "/me", { user: ada });
    expect(res.body).toEqual({
      isAuthenticated: true,
      id: 1,
      name: "ada",
      tenants: ["acme", 7],
      highest: 4,
      inSeven: 1,
    });
    const anonymous = await send(app(), "GET", "/me");
    expect(anonymous.body).toEqual({
      isAuthenticated: false,
      id: null,
      name: null,
      tenants: [],
      highest: 0,
      inSeven: 0,
    });
  });

  it("answers 401 UNAUTHORIZED to anonymous requests and 403 with stable codes otherwise", async () => {
    const covara = app();
    for (const path of ["/admin", "/t/acme/edit", "/secret", "/t/acme/secret"]) {
      const res = await send(covara, "GET", path);
      expect([path, res.status, res.body.code, res.headers.get("content-type")]).toEqual([
        path,
        401,
        "UNAUTHORIZED",
        "application/problem+json",
      ]);
    }
    expect((await send(covara, "GET", "/admin", { user: ada })).text).toBe("ok");
    const noRole = await send(covara, "GET", "/admin", { user: bob });
    expect([noRole.status, noRole.body.code, noRole.body.roles]).toEqual([403, "MISSING_ROLE", ["admin"]]);
    expect((await send(covara, "GET", "/t/acme/edit", { user: ada })).status).toBe(200);
    const otherTenant = await send(covara, "GET", "/t/7/edit", { user: ada });
    expect([otherTenant.status, otherTenant.body.code, otherTenant.body.tenant]).toEqual([403, "MISSING_ROLE", "7"]);
    expect((await send(covara, "GET", "/secret", { user: ada })).status).toBe(200);
    const low = await send(covara, "GET", "/secret", { user: bob });
    expect([low.status, low.body.code, low.body.required]).toEqual([403, "INSUFFICIENT_CLEARANCE", 3]);
    expect((await send(covara, "GET", "/t/acme/secret", { user: ada })).status).toBe(200);
    expect((await send(covara, "GET", "/t/7/secret", { user: ada })).body.code).toBe("INSUFFICIENT_CLEARANCE");
  });

  it("has a principal without a resolver: the user, no tenants", async () => {
    const covara = createCovara(identity);
    covara.get("/me", (c) => c.json({ name: getPrincipal(c).name, tenants: getPrincipal(c).tenants }));
    covara.get("/admin", requireRole("admin"), (c) => c.text("ok"));
    expect((await send(covara, "GET", "/me", { user: bob })).body).toEqual({ name: "Bob", tenants: [] });
    expect((await send(covara, "GET", "/admin", { user: bob })).body.code).toBe("MISSING_ROLE");
  });

  it("gives resource hooks ctx.principal", async () => {
    const { default: Database } = await import("better-sqlite3");
    const { drizzle } = await import("drizzle-orm/better-sqlite3");
    const { integer, sqliteTable, text } = await import("drizzle-orm/sqlite-core");
    const { pushTables } = await import("../../src/db");
    const notes = sqliteTable("notes", {
      id: integer("id").primaryKey({ autoIncrement: true }),
      tenantId: text("tenant_id").notNull(),
      body: text("body").notNull(),
    });
    const db = drizzle(new Database(":memory:"));
    await pushTables(db, [notes]);
    const covara = app().resource("/notes", notes, {
      id: notes.id,
      db,
      hooks: {
        onBeforeCreate: (ctx, data) => ({ ...data, tenantId: String(ctx.principal.tenantsWithRole("admin")[0]) }),
      },
    });
    const created = await send(covara, "POST", "/api/notes", { user: ada, body: { body: "hi", tenantId: "ignored" } });
    expect([created.status, created.body.tenantId]).toEqual([201, "acme"]);
    await covara.realtime.close();
  });
});
