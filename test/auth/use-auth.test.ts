/**
 * useAuth end to end: the routes (/me, /login, /signup, /logout), bad input, the built-in and
 * callback credential paths, features mounted through the kit, and createCovara({ auth }) with
 * resource scopes seeing the signed-in user.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createCovara, rsql, type CovaraEnv } from "../../src";
import { cookieSession, jwtSession, requireUser, useAuth, type AuthFeature, type AuthKit } from "../../src/auth";
import { createMemorySessionStore } from "../../src/auth/stores/memory-session-store";
import { pushTables } from "../../src/db";
import { appWith, login, SECRET } from "./core/apps";
import { FAST_HASH, memoryUsers, TestClient } from "./core/harness";

describe("useAuth routes", () => {
  async function setup(extra: Parameters<typeof useAuth>[0] = {}) {
    const { app, users, auth } = appWith(cookieSession({ store: createMemorySessionStore() }), memoryUsers(), extra);
    await users.add("ada@example.com", "correct horse battery", { role: "admin" });
    return { app, users, auth, client: new TestClient(app) };
  }

  it("GET /me is 401 problem+json when anonymous and returns the user when signed in", async () => {
    const { client } = await setup();
    const anonymous = await client.send("GET", "/api/auth/me");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    expect(anonymous.body.code).toBe("UNAUTHORIZED");
    await login(client, "ada@example.com", "correct horse battery");
    const me = await client.send("GET", "/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: "u1", email: "ada@example.com", role: "admin" });
    expect(me.body.session.expiresAt).toEqual(expect.any(String));
    expect(me.headers.get("cache-control")).toBe("no-store");
  });

  it("never sends the password hash or other credential-like fields back", async () => {
    const { client, users } = await setup();
    users.byId.get("u1")!.totpSecret = "JBSWY3DPEHPK3PXP";
    const res = await login(client, "ada@example.com", "correct horse battery");
    expect(JSON.stringify(res.res.body)).not.toMatch(/scrypt|passwordHash|totpSecret/);
    const me = await client.send("GET", "/api/auth/me");
    expect(Object.keys(me.body.user).sort()).toEqual(["email", "id", "name", "role"]);
  });

  it("a wrong password and an unknown email get the same 401 answer", async () => {
    const { client } = await setup();
    const wrong = await client.send("POST", "/api/auth/login", {
      body: { email: "ada@example.com", password: "nope nope nope" },
    });
    const unknown = await client.send("POST", "/api/auth/login", {
      body: { email: "nobody@example.com", password: "nope nope nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toBe(unknown.text);
    expect(wrong.body).toMatchObject({ code: "INVALID_CREDENTIALS", type: "/__covara/problems/invalid-credentials" });
    expect(client.cookies.size).toBe(0);
  });

  it.each([
    ["malformed JSON", { rawBody: "{", headers: { "content-type": "application/json" } }, 400, "INVALID_JSON"],
    ["an empty body", { rawBody: "", headers: { "content-type": "application/json" } }, 400, "INVALID_JSON"],
    [
      "a form body",
      { rawBody: "email=a&password=b", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    ],
    ["an array", { body: [] }, 400, "VALIDATION_ERROR"],
    ["no fields", { body: {} }, 400, "VALIDATION_ERROR"],
    ["a missing password", { body: { email: "ada@example.com" } }, 400, "VALIDATION_ERROR"],
    ["a numeric password", { body: { email: "ada@example.com", password: 12345678 } }, 400, "VALIDATION_ERROR"],
    ["a non-email", { body: { email: "ada", password: "x" } }, 400, "VALIDATION_ERROR"],
    [
      "an overlong email",
      { body: { email: `${"a".repeat(300)}@example.com`, password: "x" } },
      400,
      "VALIDATION_ERROR",
    ],
    [
      "an overlong password",
      { body: { email: "ada@example.com", password: "x".repeat(1025) } },
      400,
      "VALIDATION_ERROR",
    ],
    [
      "a body past 16 KiB",
      { body: { email: "ada@example.com", password: "x", pad: "y".repeat(20_000) } },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ])("POST /login with %s is a clear %i problem", async (_label, request, status, code) => {
    const { client } = await setup();
    const res = await client.send("POST", "/api/auth/login", request as never);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body.code).toBe(code);
    expect(res.text).not.toMatch(/at .*\.ts|stack/i);
  });

  it("a missing field is reported by name", async () => {
    const { client } = await setup();
    const res = await client.send("POST", "/api/auth/signup", { body: { password: "long enough password" } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: "email", message: "email is required" })]);
  });

  it("POST /signup creates the account, hashes the password, signs in and answers 201", async () => {
    const { client, users } = await setup();
    const res = await client.send("POST", "/api/auth/signup", {
      body: { email: "bob@example.com", password: "a fine passphrase", name: "Bob" },
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: "bob@example.com", name: "Bob" });
    expect(users.byId.get(res.body.user.id)!.passwordHash).toMatch(/^scrypt\$N=1024,r=8,p=1\$/);
    expect((await client.send("GET", "/api/auth/me")).body.user.email).toBe("bob@example.com");
    const again = await new TestClient(client["app" as never]).send("POST", "/api/auth/signup", {
      body: { email: "bob@example.com", password: "a fine passphrase" },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("CONFLICT");
  });

  it("Password policy: when passwordPolicy is set, weak passwords are rejected with 422 on POST /signup; the built-in denylist is on by default", async () => {
    const { client, users } = await setup({ passwordPolicy: true });
    const weak = await client.send("POST", "/api/auth/signup", {
      body: { email: "bob@example.com", password: "password123" },
    });
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe("PASSWORD_POLICY");
    expect(weak.body.rules).toContain("denylist");
    const short = await client.send("POST", "/api/auth/signup", {
      body: { email: "bob@example.com", password: "xq7" },
    });
    expect(short.status).toBe(422);
    expect(await users.findByEmail!("bob@example.com")).toBeNull();
    const strong = await client.send("POST", "/api/auth/signup", {
      body: { email: "bob@example.com", password: "violet tractor umbrella" },
    });
    expect(strong.status).toBe(201);
  });

  it("without passwordPolicy, signup does not judge the password", async () => {
    const { client } = await setup();
    expect(
      (await client.send("POST", "/api/auth/signup", { body: { email: "bob@example.com", password: "password" } }))
        .status,
    ).toBe(201);
  });

  it("app callbacks login.validateCredentials and signup.createUser replace the built-in path", async () => {
    const created: unknown[] = [];
    const auth = useAuth({
      login: {
        validateCredentials: async (email, password) =>
          email === "ada@example.com" && password === "pw" ? { id: "ada" } : null,
      },
      signup: {
        createUser: async (input) => {
          created.push(input);
          return { id: "new", email: input.email };
        },
      },
    });
    const client = new TestClient(new Hono<CovaraEnv>().route("/auth", auth.router));
    expect(
      (await client.send("POST", "/auth/login", { body: { email: "ada@example.com", password: "bad" } })).status,
    ).toBe(401);
    expect(
      (await client.send("POST", "/auth/login", { body: { email: "ada@example.com", password: "pw" } })).body.user,
    ).toEqual({ id: "ada" });
    expect(
      (await client.send("POST", "/auth/signup", { body: { email: "new@example.com", password: "pw", name: "N" } }))
        .status,
    ).toBe(201);
    expect(created).toEqual([{ email: "new@example.com", password: "pw", name: "N" }]);
  });

  it("without any credential path, /login and /signup do not exist", async () => {
    const auth = useAuth({ login: false, signup: false });
    const app = createCovara({ auth });
    expect((await app.request("/api/auth/login", { method: "POST" })).status).toBe(404);
    expect((await app.request("/api/auth/signup", { method: "POST" })).status).toBe(404);
    expect((await app.request("/api/auth/me")).status).toBe(401);
  });

  it("a stored hash weaker than the target is upgraded at login", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", "correct horse battery");
    const auth = useAuth({ users, passwordHashing: { ...FAST_HASH, N: 2 ** 11 } });
    const client = new TestClient(new Hono<CovaraEnv>().route("/auth", auth.router));
    expect(
      (
        await client.send("POST", "/auth/login", {
          body: { email: "ada@example.com", password: "correct horse battery" },
        })
      ).status,
    ).toBe(200);
    expect(users.byId.get("u1")!.passwordHash).toMatch(/^scrypt\$N=2048,/);
  });

  it("POST /logout ends the session and is idempotent", async () => {
    const { client } = await setup();
    await login(client, "ada@example.com", "correct horse battery");
    const cookie = client.cookieHeader();
    const out = await client.send("POST", "/api/auth/logout");
    expect(out.body).toEqual({ success: true });
    expect(out.setCookies["covara.sid"]).toMatch(/Max-Age=0/);
    expect((await client.send("GET", "/api/auth/me", { headers: { cookie } })).status).toBe(401);
    expect((await client.send("POST", "/api/auth/logout")).status).toBe(200);
  });

  it("POST /logout/all ends every session of the user and needs one", async () => {
    const { app, client } = await setup();
    const other = new TestClient(app);
    await login(client, "ada@example.com", "correct horse battery");
    await login(other, "ada@example.com", "correct horse battery");
    expect((await new TestClient(app).send("POST", "/api/auth/logout/all")).status).toBe(401);
    expect((await client.send("POST", "/api/auth/logout/all")).status).toBe(200);
    expect((await other.send("GET", "/api/auth/me")).status).toBe(401);
  });

  it("features mount through the kit; beforeSignIn may answer instead of issuing, completeSignIn issues", async () => {
    let seenKit: AuthKit | undefined;
    const challenge: AuthFeature = {
      name: "challenge",
      mount(router, kit) {
        seenKit = kit;
        router.post("/challenge/answer", async (c) => {
          const user = await kit.users.getById("u1");
          return kit.completeSignIn(c, user!, "challenge");
        });
      },
      async beforeSignIn(c, user, method) {
        return method === "password" ? c.json({ challengeRequired: true, userId: user.id }, 401) : undefined;
      },
    };
    const { client } = await setup({ features: [challenge] });
    const first = await login(client, "ada@example.com", "correct horse battery");
    expect(first.res.status).toBe(401);
    expect(first.res.body).toEqual({ challengeRequired: true, userId: "u1" });
    expect(client.cookies.size).toBe(0);
    const answered = await client.send("POST", "/api/auth/challenge/answer");
    expect(answered.status).toBe(200);
    expect((await client.send("GET", "/api/auth/me")).body.user.id).toBe("u1");
    expect(seenKit!.strategy.name).toBe("cookie-session");
  });

  it("kit.url builds absolute links under the auth router's mount path (or baseUrl)", async () => {
    const urls: string[] = [];
    const linker: AuthFeature = {
      name: "linker",
      mount(router, kit) {
        router.get("/link", (c) => {
          urls.push(kit.url(c, "/magic-link/verify?token=t"));
          return c.json({});
        });
      },
    };
    const { client } = await setup({ features: [linker] });
    await client.send("GET", "/api/auth/link");
    const withBase = useAuth({ features: [linker], baseUrl: "https://app.example.com/" });
    await new TestClient(new Hono<CovaraEnv>().route("/auth", withBase.router)).send("GET", "/auth/link");
    expect(urls).toEqual([
      "http://localhost/api/auth/magic-link/verify?token=t",
      "https://app.example.com/auth/magic-link/verify?token=t",
    ]);
  });

  it("kit.sendEmail delivers through the app's sendEmail, and says so clearly when it is missing", async () => {
    const sent: unknown[] = [];
    let kit: AuthKit | undefined;
    const grab: AuthFeature = { name: "grab", mount: (_router, k) => void (kit = k) };
    useAuth({ features: [grab], sendEmail: async (email) => void sent.push(email) });
    await kit!.sendEmail({ to: "a@example.com", subject: "s", text: "t", kind: "magic-link" });
    expect(sent).toHaveLength(1);
    useAuth({ features: [grab] });
    await expect(kit!.sendEmail({ to: "a@example.com", subject: "s", text: "t", kind: "magic-link" })).rejects.toThrow(
      /sendEmail/,
    );
  });

  it("a feature answering with an immutable Response.redirect still gets Cache-Control: no-store", async () => {
    const redirector: AuthFeature = {
      name: "redirector",
      mount: (router) => void router.get("/go", () => Response.redirect("http://localhost/app", 302)),
    };
    const { client } = await setup({ features: [redirector] });
    const res = await client.send("GET", "/api/auth/go");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://localhost/app");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a feature listed twice and a strategy together with an adapter", () => {
    const feature: AuthFeature = { name: "x", mount() {} };
    expect(() => useAuth({ features: [feature, feature] })).toThrow(/twice/);
    expect(() => useAuth({ strategy: cookieSession(), adapter: cookieSession() })).toThrow(/either/);
  });

  it("an error thrown by an app callback is a 500 problem without details", async () => {
    const auth = useAuth({
      login: {
        validateCredentials: async () => {
          throw new Error("db password is hunter2");
        },
      },
    });
    const app = new Hono<CovaraEnv>().route("/auth", auth.router);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const res = await new TestClient(app).send("POST", "/auth/login", {
        body: { email: "a@example.com", password: "x" },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.text).not.toContain("hunter2");
    } finally {
      console.error = original;
    }
  });
});

describe("createCovara({ auth })", () => {
  const notes = sqliteTable("notes", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ownerId: text("owner_id").notNull(),
    body: text("body").notNull(),
  });

  async function covaraApp() {
    const db = drizzle(new Database(":memory:"));
    await pushTables(db, [notes]);
    const users = memoryUsers();
    await users.add("ada@example.com", "correct horse battery");
    await users.add("bob@example.com", "correct horse battery");
    const app = createCovara({
      auth: useAuth({ users, passwordHashing: FAST_HASH }),
    }).resource("/notes", notes, {
      id: notes.id,
      db,
      auth: { read: (user) => rsql`ownerId==${String(user.id)}`, create: () => true },
      generatedFields: { ownerId: (ctx) => String(ctx.user!.id) },
    });
    return app;
  }

  it("mounts the router at /api/auth and the middleware for resources: scopes see the signed-in user", async () => {
    const app = await covaraApp();
    const ada = new TestClient(app);
    const bob = new TestClient(app);
    expect((await ada.send("GET", "/api/notes")).status).toBe(401);
    expect((await login(ada, "ada@example.com", "correct horse battery")).res.status).toBe(200);
    await login(bob, "bob@example.com", "correct horse battery");
    expect((await ada.send("POST", "/api/notes", { body: { body: "ada's" } })).status).toBe(201);
    expect((await bob.send("POST", "/api/notes", { body: { body: "bob's" } })).status).toBe(201);
    const list = await ada.send("GET", "/api/notes");
    expect(list.body.items.map((note: { body: string }) => note.body)).toEqual(["ada's"]);
  });

  it("keeps the authenticate option working, alone or as a fallback after auth", async () => {
    const alone = createCovara({ authenticate: (c) => (c.req.header("x-key") === "k" ? { id: "key-user" } : null) });
    alone.get("/api/who", (c) => c.json({ id: requireUser(c).id }));
    expect((await alone.request("/api/who", { headers: { "x-key": "k" } })).status).toBe(200);
    const users = memoryUsers();
    await users.add("ada@example.com", "correct horse battery");
    const both = createCovara({
      auth: useAuth({ users, passwordHashing: FAST_HASH }),
      authenticate: (c) => (c.req.header("x-key") === "k" ? { id: "key-user" } : null),
    });
    both.get("/api/who", (c) => c.json({ id: requireUser(c).id }));
    const client = new TestClient(both);
    expect((await client.send("GET", "/api/who", { headers: { "x-key": "k" } })).body).toEqual({ id: "key-user" });
    await login(client, "ada@example.com", "correct horse battery");
    expect((await client.send("GET", "/api/who", { headers: { "x-key": "k" } })).body).toEqual({ id: "u1" });
  });

  it("with jwtSession, a bearer API key still reaches the authenticate fallback", async () => {
    const app = createCovara({
      auth: useAuth({ strategy: jwtSession({ secret: SECRET, issuer: "https://app.test", audience: "app" }) }),
      authenticate: (c) => (c.req.header("authorization") === "Bearer ck_test.key" ? { id: "api-key-user" } : null),
    });
    app.get("/api/who", (c) => c.json({ id: requireUser(c).id }));
    expect(await (await app.request("/api/who", { headers: { authorization: "Bearer ck_test.key" } })).json()).toEqual({
      id: "api-key-user",
    });
    expect((await app.request("/api/who", { headers: { authorization: "Bearer a.b.c" } })).status).toBe(401);
  });
});
