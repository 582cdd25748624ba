/**
 * The legacy adapters mapped onto strategies: createJWTAdapter (own tokens issued at login),
 * createAuthJsAdapter (over an Auth.js-shaped database adapter kept in memory by the test, as an
 * app's own adapter would be), and createPassportAdapter over the Drizzle session store on
 * better-sqlite3 as internal-tables.md shows.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { CovaraEnv } from "../../src";
import {
  createAuthJsAdapter,
  createDrizzleSessionStore,
  createJWTAdapter,
  createPassportAdapter,
  defineInternalSchema,
  requireUser,
  strategyFromAdapter,
  useAuth,
  type AuthJsSession,
  type AuthJsSessionAdapter,
  type AuthJsUser,
} from "../../src/auth";
import { migrateInternal } from "../../src/db";
import { FAST_HASH, memoryUsers, TestClient } from "./core/harness";

const PASSWORD = "correct horse battery";

function mount(auth: ReturnType<typeof useAuth>) {
  const app = new Hono<CovaraEnv>();
  app.route("/api/auth", auth.router);
  app.use("*", auth.middleware);
  app.get("/api/whoami", (c) => c.json({ id: requireUser(c).id }));
  return app;
}

describe("createJWTAdapter", () => {
  it("issues its own tokens at login and authenticates them as users of the directory", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", PASSWORD);
    const adapter = createJWTAdapter({
      secret: "jwt-adapter-secret-at-least-32-bytes!",
      issuer: "https://app",
      audience: "app",
      expiresInSeconds: 120,
    });
    const app = mount(useAuth({ adapter, users, passwordHashing: FAST_HASH }));
    const client = new TestClient(app);
    const login = await client.send("POST", "/api/auth/login", {
      body: { email: "ada@example.com", password: PASSWORD },
    });
    expect(login.body).toMatchObject({ user: { id: "u1" }, tokenType: "Bearer", expiresIn: 120 });
    expect((await client.send("GET", "/api/whoami", { bearer: login.body.accessToken })).body).toEqual({ id: "u1" });
    expect((await client.send("GET", "/api/whoami")).status).toBe(401);
    expect((await client.send("GET", "/api/whoami", { bearer: "x.y.z" })).status).toBe(401);
  });

  it("refuses incomplete configuration, and a verify-only adapter cannot sign users in", async () => {
    expect(() => createJWTAdapter({ secret: "jwt-adapter-secret-at-least-32-bytes!" })).toThrow(/issuer/);
    expect(() => createJWTAdapter({})).toThrow(/trusted issuer/);
    const verifyOnly = createJWTAdapter({
      trustedIssuers: [{ issuer: "https://idp", audience: "app", keys: [{ alg: "HS256", secret: "x".repeat(32) }] }],
    });
    const app = mount(useAuth({ adapter: verifyOnly, login: { validateCredentials: async () => ({ id: "1" }) } }));
    const original = console.error;
    console.error = () => {};
    try {
      const res = await new TestClient(app).send("POST", "/api/auth/login", {
        body: { email: "a@example.com", password: "x" },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      console.error = original;
    }
    expect(() => strategyFromAdapter({ name: "broken" } as never)).toThrow(/getUser/);
  });
});

/** An Auth.js-shaped database adapter over maps: what an app's own adapter would provide. */
function authJsDatabase() {
  const sessions = new Map<string, AuthJsSession>();
  const users = new Map<string, AuthJsUser>([
    ["7", { id: "7", email: "ada@example.com", name: "Ada", emailVerified: null }],
  ]);
  const adapter: AuthJsSessionAdapter = {
    async getSessionAndUser(token) {
      const session = sessions.get(token);
      const user = session && users.get(session.userId);
      return session && user ? { session, user } : null;
    },
    async createSession(session) {
      sessions.set(session.sessionToken, session);
      return session;
    },
    async deleteSession(token) {
      sessions.delete(token);
    },
  };
  return { adapter, sessions };
}

describe("createAuthJsAdapter", () => {
  it("reads an existing Auth.js session cookie (any of its names) and respects its expiry", async () => {
    const { adapter, sessions } = authJsDatabase();
    sessions.set("existing-session-token", {
      sessionToken: "existing-session-token",
      userId: "7",
      expires: new Date(Date.now() + 60_000),
    });
    sessions.set("expired-session-token", {
      sessionToken: "expired-session-token",
      userId: "7",
      expires: new Date(Date.now() - 1),
    });
    const app = mount(useAuth({ adapter: createAuthJsAdapter({ adapter }) }));
    for (const name of ["authjs.session-token", "__Secure-authjs.session-token", "next-auth.session-token"]) {
      const res = await new TestClient(app).send("GET", "/api/whoami", {
        headers: { cookie: `${name}=existing-session-token` },
      });
      expect(res.body, name).toEqual({ id: "7" });
    }
    expect(
      (
        await new TestClient(app).send("GET", "/api/whoami", {
          headers: { cookie: "authjs.session-token=expired-session-token" },
        })
      ).status,
    ).toBe(401);
    expect(
      (await new TestClient(app).send("GET", "/api/whoami", { headers: { cookie: "authjs.session-token=bad token!" } }))
        .status,
    ).toBe(401);
  });

  it("signs in with rotation (the previous session token is deleted) and logs out", async () => {
    const { adapter, sessions } = authJsDatabase();
    const app = mount(
      useAuth({
        adapter: createAuthJsAdapter({ adapter }),
        login: { validateCredentials: async (email) => (email === "ada@example.com" ? { id: "7" } : null) },
      }),
    );
    const client = new TestClient(app);
    const first = await client.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: "x" } });
    expect(first.setCookies["authjs.session-token"]).toMatch(/HttpOnly/);
    const firstToken = client.cookies.get("authjs.session-token")!;
    await client.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: "x" } });
    expect(sessions.has(firstToken)).toBe(false);
    expect(sessions.size).toBe(1);
    expect((await client.send("GET", "/api/whoami")).body).toEqual({ id: "7" });
    await client.send("POST", "/api/auth/logout");
    expect(sessions.size).toBe(0);
    expect((await client.send("GET", "/api/whoami")).status).toBe(401);
  });
});

describe("createPassportAdapter over createDrizzleSessionStore", () => {
  it("works as internal-tables.md shows, with a remapped sessions table", async () => {
    const { sqliteTable, text, integer } = await import("drizzle-orm/sqlite-core");
    const mySessions = sqliteTable("my_sessions", {
      id: text("id").primaryKey(),
      ownerId: text("owner_id").notNull(),
      created: integer("created", { mode: "timestamp_ms" }).notNull(),
      expires: integer("expires", { mode: "timestamp_ms" }).notNull(),
      blob: text("blob"),
    });
    const client = new Database(":memory:");
    client.exec(
      "create table my_sessions (id text primary key, owner_id text not null, created integer not null, expires integer not null, blob text)",
    );
    const db = drizzle(client);
    await migrateInternal(db);
    const internal = defineInternalSchema({
      dialect: "sqlite",
      sessions: {
        table: mySessions,
        fieldMap: {
          userId: mySessions.ownerId,
          createdAt: mySessions.created,
          expiresAt: mySessions.expires,
          data: "blob",
        },
      },
    });
    const users = memoryUsers();
    await users.add("ada@example.com", PASSWORD);
    const adapter = createPassportAdapter({
      getUserById: (id) => users.getById(id),
      sessionStore: createDrizzleSessionStore({ db, resolver: internal.sessions }),
    });
    const app = mount(useAuth({ adapter, users, passwordHashing: FAST_HASH }));
    const browser = new TestClient(app, "192.0.2.77");
    await browser.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } });
    expect((await browser.send("GET", "/api/whoami")).body).toEqual({ id: "u1" });
    const rows = client.prepare("select owner_id, blob from my_sessions").all() as { owner_id: string; blob: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.owner_id).toBe("u1");
    expect(JSON.parse(rows[0]!.blob)).toMatchObject({ ipAddress: "192.0.2.77" });
    await browser.send("POST", "/api/auth/logout");
    expect(client.prepare("select count(*) as n from my_sessions").get()).toEqual({ n: 0 });
  });
});
