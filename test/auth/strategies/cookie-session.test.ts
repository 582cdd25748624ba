/**
 * cookieSession over every session store (memory, KV over memory and Redis, Drizzle over
 * better-sqlite3, PGlite and PostgreSQL): the "Session Security" contract, session expiry, and
 * what a forged or stale cookie gets.
 */
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CovaraEnv } from "../../../src";
import { cookieSession, createPassportAdapter, useAuth, type SessionData, type SessionStore } from "../../../src/auth";
import { sha256Url } from "../../../src/kernel/web-crypto";
import type { KV } from "../../../src/kernel/kv";
import { FAST_HASH, memoryUsers, sessionBackends, TestClient, type TestUsers } from "../core/harness";

const PASSWORD = "correct horse battery";
const backends = await sessionBackends();

function build(store: SessionStore, kv: KV, users: TestUsers, options: Parameters<typeof cookieSession>[0] = {}) {
  const strategy = cookieSession({ store, ...options });
  const auth = useAuth({ strategy, users, kv, passwordHashing: FAST_HASH, security: { throttle: false } });
  const app = new Hono<CovaraEnv>().route("/api/auth", auth.router);
  return { app, strategy, auth };
}

async function signIn(client: TestClient, email = "ada@example.com") {
  const res = await client.send("POST", "/api/auth/login", { body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  return res;
}

for (const backend of backends) {
  describe(`cookieSession — Session Security [${backend.name}]`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let users: TestUsers;

    beforeAll(async () => {
      opened = await backend.open();
      users = memoryUsers();
      await users.add("ada@example.com", PASSWORD);
      await users.add("bob@example.com", PASSWORD);
    });
    afterAll(async () => {
      await opened.store.deleteByUser("u1");
      await opened.store.deleteByUser("u2");
      await opened.close();
    });
    afterEach(async () => {
      vi.useRealTimers();
      await opened.store.deleteByUser("u1");
      await opened.store.deleteByUser("u2");
    });

    it("Session rotation: Session ID rotated on login (prior session invalidated, prevents fixation)", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const client = new TestClient(app);
      await signIn(client);
      const before = client.cookies.get("covara.sid")!;
      // An attacker who planted (or learned) the pre-login cookie gains nothing: signing in again replaces it.
      await signIn(client);
      const after = client.cookies.get("covara.sid")!;
      expect(after).not.toBe(before);
      expect(
        (await new TestClient(app).send("GET", "/api/auth/me", { headers: { cookie: `covara.sid=${before}` } })).status,
      ).toBe(401);
      expect((await client.send("GET", "/api/auth/me")).status).toBe(200);
      expect(await opened.store.listByUser("u1")).toHaveLength(1);
      // A planted cookie of another user's session is also ended, not adopted.
      const victim = new TestClient(app);
      await signIn(victim, "bob@example.com");
      const planted = victim.cookies.get("covara.sid")!;
      await victim.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
        headers: { cookie: `covara.sid=${planted}` },
      });
      expect(await opened.store.get(await sha256Url(planted))).toBeNull();
    });

    it("Logout invalidation: All session tokens invalidated on logout", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const client = new TestClient(app);
      await signIn(client);
      const token = client.cookies.get("covara.sid")!;
      const out = await client.send("POST", "/api/auth/logout");
      expect(out.setCookies["covara.sid"]).toMatch(/Max-Age=0/);
      expect(await opened.store.get(await sha256Url(token))).toBeNull();
      expect((await client.send("GET", "/api/auth/me", { headers: { cookie: `covara.sid=${token}` } })).status).toBe(
        401,
      );
    });

    it("Bulk invalidation: Adapters may implement invalidateUserSessions(userId, exceptSessionId?); password reset uses it when logoutEverywhere is set", async () => {
      const adapter = createPassportAdapter({ getUserById: (id) => users.getById(id), sessionStore: opened.store });
      const auth = useAuth({
        adapter,
        users,
        kv: opened.kv,
        passwordHashing: FAST_HASH,
        security: { throttle: false },
      });
      const app = new Hono<CovaraEnv>().route("/api/auth", auth.router);
      const [laptop, phone, tablet, bob] = [
        new TestClient(app),
        new TestClient(app),
        new TestClient(app),
        new TestClient(app),
      ];
      for (const client of [laptop, phone, tablet]) await signIn(client);
      await signIn(bob, "bob@example.com");
      const keep = await sha256Url(laptop.cookies.get("covara.sid")!);
      expect(await adapter.invalidateUserSessions!("u1", keep)).toBe(2);
      expect((await laptop.send("GET", "/api/auth/me")).status).toBe(200);
      expect((await phone.send("GET", "/api/auth/me")).status).toBe(401);
      expect((await tablet.send("GET", "/api/auth/me")).status).toBe(401);
      // The strategy path (password reset with logoutEverywhere calls it) ends the rest.
      await auth.strategy.revokeAll("u1");
      expect((await laptop.send("GET", "/api/auth/me")).status).toBe(401);
      expect((await bob.send("GET", "/api/auth/me")).status).toBe(200);
    });

    it("Indexed bulk invalidation: … bulk invalidation touches only that user's sessions; the scan-all getAll() path is a fallback for stores without the index", async () => {
      const touched: string[] = [];
      const spied: SessionStore & { getAll(): Promise<SessionData[]> } = {
        create: (s) => opened.store.create(s),
        get: (id) => opened.store.get(id),
        update: (id, patch) => opened.store.update(id, patch),
        delete: (id) => opened.store.delete(id),
        listByUser: (userId) => (touched.push(`listByUser:${userId}`), opened.store.listByUser(userId)),
        deleteByUser: (userId) => (touched.push(`deleteByUser:${userId}`), opened.store.deleteByUser(userId)),
        getAll: async () => (touched.push("getAll"), []),
      };
      const { app, strategy } = build(spied, opened.kv, users);
      const ada = new TestClient(app);
      const bob = new TestClient(app);
      await signIn(ada);
      await signIn(bob, "bob@example.com");
      await strategy.revokeAll("u1");
      expect(touched).toEqual(["deleteByUser:u1"]);
      expect((await bob.send("GET", "/api/auth/me")).status).toBe(200);

      // A store without the index still works, by scanning.
      const legacy = {
        delete: (id: string) => opened.store.delete(id),
        getAll: async () => [...(await opened.store.listByUser("u1")), ...(await opened.store.listByUser("u2"))],
      };
      await signIn(ada);
      const { invalidateUserSessions } = await import("../../../src/auth");
      expect(await invalidateUserSessions(legacy, "u1")).toBe(1);
      expect((await ada.send("GET", "/api/auth/me")).status).toBe(401);
      expect((await bob.send("GET", "/api/auth/me")).status).toBe(200);
    });

    it("Session activity metadata: Login/signup store the client IP and user agent in session.data (ipAddress, userAgent)", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const client = new TestClient(app, "198.51.100.7");
      const first = await client.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
        headers: { "user-agent": "TestBrowser/1.0" },
      });
      expect(first.status, first.text).toBe(200);
      const signup = await new TestClient(app).send("POST", "/api/auth/signup", {
        body: { email: "cy@example.com", password: PASSWORD },
        headers: { "user-agent": "Other/2" },
        ip: "::ffff:192.0.2.1",
      });
      expect(signup.status, signup.text).toBe(201);
      const [ada] = await opened.store.listByUser("u1");
      expect(ada!.data).toMatchObject({
        ipAddress: "198.51.100.7",
        userAgent: "TestBrowser/1.0",
        lastActiveAt: expect.any(String),
      });
      const cy = (await users.findByEmail!("cy@example.com"))!;
      const [cySession] = await opened.store.listByUser(String(cy.id));
      expect(cySession!.data).toMatchObject({ ipAddress: "192.0.2.1", userAgent: "Other/2" });
      await opened.store.deleteByUser(String(cy.id));
    });

    it("Session activity metadata: session use stamps session.data.lastActiveAt, throttled to at most one persisted write per minute per session", async () => {
      let updates = 0;
      const counting: SessionStore = {
        ...opened.store,
        update: (id, patch) => (updates++, opened.store.update(id, patch)),
      };
      for (const name of ["create", "get", "delete", "listByUser", "deleteByUser"] as const) {
        (counting as unknown as Record<string, unknown>)[name] = (
          opened.store[name] as (...args: unknown[]) => unknown
        ).bind(opened.store);
      }
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
      const { app } = build(counting, opened.kv, users);
      const client = new TestClient(app);
      await signIn(client);
      for (let i = 0; i < 5; i++) await client.send("GET", "/api/auth/me");
      expect(updates).toBe(0);
      vi.setSystemTime(new Date("2030-01-01T00:01:00Z"));
      await Promise.all([1, 2, 3, 4].map(() => client.send("GET", "/api/auth/me")));
      expect(updates).toBe(1);
      await vi.waitFor(async () => {
        const [session] = await opened.store.listByUser("u1");
        expect(session!.data!.lastActiveAt).toBe("2030-01-01T00:01:00.000Z");
      });
      vi.setSystemTime(new Date("2030-01-01T00:01:59Z"));
      await client.send("GET", "/api/auth/me");
      expect(updates).toBe(1);
      vi.setSystemTime(new Date("2030-01-01T00:02:01Z"));
      await client.send("GET", "/api/auth/me");
      expect(updates).toBe(2);
    });

    it("Session activity metadata: … fire-and-forget (activity tracking never blocks or fails auth)", async () => {
      const base = opened.store;
      const failing: SessionStore = {
        create: (s) => base.create(s),
        get: (id) => base.get(id),
        delete: (id) => base.delete(id),
        listByUser: (id) => base.listByUser(id),
        deleteByUser: (id) => base.deleteByUser(id),
        update: () => Promise.reject(new Error("store down")),
      };
      const hanging: SessionStore = { ...failing, update: () => new Promise<boolean>(() => {}) };
      const throwing: SessionStore = {
        ...failing,
        update: () => {
          throw new Error("sync failure");
        },
      };
      vi.useFakeTimers({ toFake: ["Date"] });
      for (const store of [failing, hanging, throwing]) {
        vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
        const { app } = build(store, opened.kv, users);
        const client = new TestClient(app);
        await signIn(client);
        vi.setSystemTime(new Date("2030-01-01T00:05:00Z"));
        const me = await client.send("GET", "/api/auth/me");
        expect(me.status).toBe(200);
        expect(me.body.user.id).toBe("u1");
      }
    });

    it("Cookie security: HttpOnly, Secure (in production), SameSite attributes set", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const dev = await signIn(new TestClient(app));
      const line = dev.setCookies["covara.sid"]!;
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/; Secure/);
      vi.stubEnv("NODE_ENV", "production");
      try {
        expect((await signIn(new TestClient(app))).setCookies["covara.sid"]).toMatch(/; Secure/);
      } finally {
        vi.unstubAllEnvs();
      }
      expect((await signIn(new TestClient(app, undefined, "https://app.example"))).setCookies["covara.sid"]).toMatch(
        /; Secure/,
      );
      const strict = build(opened.store, opened.kv, users, {
        cookie: { name: "sid", sameSite: "Strict", secure: true },
      });
      const custom = (await signIn(new TestClient(strict.app))).setCookies.sid!;
      expect(custom).toMatch(/; SameSite=Strict/);
      expect(custom).toMatch(/; Secure/);
      expect(() => cookieSession({ cookie: { sameSite: "None", secure: false } })).toThrow(/Secure/);
    });

    it("Session Expired: returns 401 Unauthorized (and the stale cookie is cleared)", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
      const { app } = build(opened.store, opened.kv, users, { ttlSeconds: 60 });
      const client = new TestClient(app);
      await signIn(client);
      expect((await client.send("GET", "/api/auth/me")).status).toBe(200);
      vi.setSystemTime(new Date("2030-01-01T00:01:01Z"));
      const expired = await client.send("GET", "/api/auth/me");
      expect(expired.status).toBe(401);
      expect(expired.headers.get("content-type")).toBe("application/problem+json");
      expect(expired.setCookies["covara.sid"]).toMatch(/Max-Age=0/);
    });

    it("a forged, malformed or unknown cookie is anonymous, never an error", async () => {
      const { app } = build(opened.store, opened.kv, users);
      for (const cookie of [
        "covara.sid=forged",
        `covara.sid=${"A".repeat(43)}`,
        "covara.sid=%00%ff",
        `covara.sid=${"x".repeat(5000)}`,
      ]) {
        const res = await new TestClient(app).send("GET", "/api/auth/me", { headers: { cookie } });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("UNAUTHORIZED");
      }
    });

    it("the store keeps only a digest of the cookie token", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const client = new TestClient(app);
      await signIn(client);
      const [session] = await opened.store.listByUser("u1");
      expect(session!.id).not.toBe(client.cookies.get("covara.sid"));
      expect(session!.id).toBe(await sha256Url(client.cookies.get("covara.sid")!));
    });

    it("a user deleted by the app is signed out on the next request", async () => {
      const { app } = build(opened.store, opened.kv, users);
      const client = new TestClient(app);
      await signIn(client, "bob@example.com");
      const bob = users.byId.get("u2")!;
      users.byId.delete("u2");
      try {
        expect((await client.send("GET", "/api/auth/me")).status).toBe(401);
      } finally {
        users.byId.set("u2", bob);
      }
    });
  });
}
