/**
 * The "Session strategy decoupling" contract: any credential with any strategy, one issuance
 * path and one authentication path, and legacy adapters mapped onto strategies.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { CovaraEnv } from "../../src";
import {
  cookieSession,
  createPassportAdapter,
  jwtSession,
  useAuth,
  type AuthUser,
  type SessionStrategy,
} from "../../src/auth";
import { createMemorySessionStore } from "../../src/auth/stores/memory-session-store";
import { appWith, login, SECRET } from "./core/apps";
import { FAST_HASH, memoryUsers, TestClient } from "./core/harness";

/** Wraps a strategy to count calls of its issue and authenticate (the real strategy does the work). */
function counted(strategy: SessionStrategy) {
  const calls = { issue: 0, authenticate: 0 };
  const wrapped: SessionStrategy = {
    ...strategy,
    name: strategy.name,
    bind: strategy.bind?.bind(strategy),
    mount: strategy.mount?.bind(strategy),
    issue: (c, user) => {
      calls.issue++;
      return strategy.issue(c, user);
    },
    authenticate: (c) => {
      calls.authenticate++;
      return strategy.authenticate(c);
    },
    revoke: (c) => strategy.revoke(c),
    revokeAll: (id) => strategy.revokeAll(id),
  };
  return { strategy: wrapped, calls };
}

const strategies: { name: string; make: () => SessionStrategy; kind: "cookie" | "jwt" }[] = [
  { name: "cookieSession", make: () => cookieSession({ store: createMemorySessionStore() }), kind: "cookie" },
  {
    name: "jwtSession",
    make: () => jwtSession({ secret: SECRET, issuer: "https://app.test", audience: "app" }),
    kind: "jwt",
  },
];

describe("Session strategy decoupling", () => {
  for (const { name, make, kind } of strategies) {
    describe(name, () => {
      it("Orthogonal to credentials: any provider composes with any strategy — e.g. a Passport social provider issuing JWTs", async () => {
        const { app, users } = appWith(make());
        await users.add("ada@example.com", "correct horse battery");
        for (const signIn of [
          (client: TestClient) => login(client, "ada@example.com", "correct horse battery"),
          async (client: TestClient) => {
            const res = await client.send("GET", "/api/auth/social/callback?email=ada@example.com");
            return { res, bearer: res.body?.accessToken as string | undefined };
          },
        ]) {
          const client = new TestClient(app);
          const { res, bearer } = await signIn(client);
          expect(res.status).toBe(200);
          expect(res.body.user).toMatchObject({ id: "u1", email: "ada@example.com" });
          if (kind === "jwt") expect(bearer).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
          else expect(client.cookies.has("covara.sid")).toBe(true);
          const me = await client.send("GET", "/api/whoami", { bearer });
          expect(me.body).toEqual({ id: "u1" });
        }
      });

      it("Single issuance path: every successful login (password, social, magic link, signup) goes through strategy.issue(c, userId); the auth middleware authenticates every request through strategy.authenticate(c)", async () => {
        const { strategy, calls } = counted(make());
        const { app, users } = appWith(strategy);
        await users.add("ada@example.com", "correct horse battery");
        const client = new TestClient(app);
        const { bearer } = await login(client, "ada@example.com", "correct horse battery");
        expect(calls.issue).toBe(1);
        await client.send("GET", "/api/auth/social/callback?email=ada@example.com");
        expect(calls.issue).toBe(2);
        const signup = await new TestClient(app).send("POST", "/api/auth/signup", {
          body: { email: "bob@example.com", password: "another long pass" },
        });
        expect(signup.status).toBe(201);
        expect(calls.issue).toBe(3);
        const before = calls.authenticate;
        await client.send("GET", "/api/whoami", { bearer });
        await client.send("GET", "/api/auth/me", { bearer });
        // One authentication per request, even though /me passes both the app's and the router's middleware.
        expect(calls.authenticate - before).toBe(2);
      });
    });
  }

  it("cookieSession mints a server-side session + cookie; jwtSession mints a bearer access token + refresh cookie and exposes /refresh", async () => {
    const store = createMemorySessionStore();
    const users = memoryUsers();
    const ada = await users.add("ada@example.com", "correct horse battery");
    const cookieApp = appWith(cookieSession({ store }), users).app;
    const cookieClient = new TestClient(cookieApp);
    const cookieLogin = await login(cookieClient, "ada@example.com", "correct horse battery");
    expect(cookieLogin.res.body.accessToken).toBeUndefined();
    expect(await store.listByUser(String(ada.id))).toHaveLength(1);
    expect(cookieLogin.res.setCookies["covara.sid"]).toMatch(/HttpOnly/);
    expect((await cookieClient.send("POST", "/api/auth/refresh")).status).toBe(404);

    const jwtApp = appWith(jwtSession({ secret: SECRET, issuer: "https://app.test", audience: "app" }), users).app;
    const jwtClient = new TestClient(jwtApp);
    const jwtLogin = await login(jwtClient, "ada@example.com", "correct horse battery");
    expect(jwtLogin.res.body).toMatchObject({ tokenType: "Bearer", expiresIn: 900 });
    expect(jwtLogin.res.setCookies["covara.refresh"]).toMatch(/HttpOnly/);
    expect(jwtClient.cookies.has("covara.sid")).toBe(false);
    const refreshed = await jwtClient.send("POST", "/api/auth/refresh");
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).not.toBe(jwtLogin.bearer);
  });

  it("Back-compat: a legacy adapter passed to useAuth is mapped to a session strategy internally, preserving its prior behavior", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", "correct horse battery");
    const sessionStore = createMemorySessionStore();
    const adapter = createPassportAdapter({ getUserById: (id) => users.getById(id), sessionStore });
    const auth = useAuth({ adapter, users, passwordHashing: FAST_HASH });
    expect(auth.strategy.name).toBe("adapter:passport");
    const app = new Hono<CovaraEnv>().route("/auth", auth.router);
    const client = new TestClient(app);
    const res = await client.send("POST", "/auth/login", {
      body: { email: "ada@example.com", password: "correct horse battery" },
    });
    expect(res.status).toBe(200);
    expect((await sessionStore.listByUser("u1")).length).toBe(1);
    // The adapter itself, called directly, recognises the session useAuth issued: same behaviour both ways.
    const direct = new Hono<CovaraEnv>().get("/", async (c) => c.json({ user: await adapter.getUser(c) }));
    const seen = await direct.request("/", { headers: { cookie: client.cookieHeader() } });
    expect((await seen.json()).user.id).toBe("u1");
    const me = await client.send("GET", "/auth/me");
    expect(me.body.user.id).toBe("u1");
    await client.send("POST", "/auth/logout");
    expect(await sessionStore.listByUser("u1")).toEqual([]);
  });

  it("a custom legacy adapter keeps its own getUser/createSession/destroySession behaviour", async () => {
    const log: string[] = [];
    const adapter = {
      name: "header",
      async getUser(c: { req: { header(name: string): string | undefined } }) {
        const id = c.req.header("x-user");
        return id ? { id } : null;
      },
      async createSession(_c: unknown, user: AuthUser) {
        log.push(`create:${user.id}`);
        return { ticket: `t-${user.id}` };
      },
      async destroySession() {
        log.push("destroy");
      },
    };
    const auth = useAuth({
      adapter,
      login: { validateCredentials: async (email) => (email === "ada@example.com" ? { id: "ada" } : null) },
    });
    const app = new Hono<CovaraEnv>().route("/auth", auth.router);
    const client = new TestClient(app);
    const res = await client.send("POST", "/auth/login", { body: { email: "ada@example.com", password: "x" } });
    expect(res.body).toEqual({ user: { id: "ada" }, ticket: "t-ada" });
    expect((await client.send("GET", "/auth/me", { headers: { "x-user": "bob" } })).body.user).toEqual({ id: "bob" });
    await client.send("POST", "/auth/logout");
    expect(log).toEqual(["create:ada", "destroy"]);
  });
});
