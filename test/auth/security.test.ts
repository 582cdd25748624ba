/**
 * Account security: login throttling in KV (memory and the real Redis, shared across instances),
 * trusted-proxy client IPs with IPv4/IPv6 normalisation, opt-in CSRF protection, and security
 * headers — the "Rate Limiting" contract and the throttling/CSRF/headers parts of Account Security.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCovara, type CovaraEnv } from "../../src";
import {
  cookieSession,
  createClientIpResolver,
  createThrottle,
  csrfProtection,
  jwtSession,
  normalizeIp,
  securityHeaders,
  useAuth,
  type AuthFeature,
  type AuthKit,
  type AuthSecurityOptions,
} from "../../src/auth";
import { createMemorySessionStore } from "../../src/auth/stores/memory-session-store";
import type { KV } from "../../src/kernel/kv";
import { createMemoryKV } from "../../src/kv";
import { kvTargets, runs, uniquePrefix } from "./stores/backends";
import { FAST_HASH, memoryUsers, prefixedKV, TestClient } from "./core/harness";

const PASSWORD = "correct horse battery";

async function loginApp(kv: KV, security: AuthSecurityOptions = {}) {
  const users = memoryUsers();
  await users.add("ada@example.com", PASSWORD);
  const auth = useAuth({
    users,
    kv,
    passwordHashing: FAST_HASH,
    strategy: cookieSession({ store: createMemorySessionStore() }),
    security,
  });
  return new Hono<CovaraEnv>().route("/api/auth", auth.router);
}

const attempt = (client: TestClient, password = "wrong password", ip?: string) =>
  client.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password }, ...(ip ? { ip } : {}) });

for (const target of kvTargets) {
  const available = await runs(target);
  describe.skipIf(!available)(`login throttling [${target.name}]`, () => {
    let base: KV;
    beforeAll(async () => {
      base = await target.open();
    });
    afterAll(async () => {
      for (const key of await base.keys("throttle-core:")) await base.delete(key);
      await base.close();
    });
    const fresh = () => prefixedKV(base, uniquePrefix("throttle-core"));

    it("Login: 5 attempts per 15 minutes per IP", async () => {
      const app = await loginApp(fresh());
      const client = new TestClient(app, "198.51.100.1");
      for (let i = 0; i < 5; i++) expect((await attempt(client)).status).toBe(401);
      const limited = await attempt(client);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("content-type")).toBe("application/problem+json");
      expect(limited.body).toMatchObject({
        type: "/__covara/problems/rate-limit-exceeded",
        code: "RATE_LIMIT_EXCEEDED",
        limit: 5,
        windowSeconds: 900,
      });
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(850);
      expect(retryAfter).toBeLessThanOrEqual(900);
      // Even the right password is refused while throttled: no oracle for the attacker.
      expect((await attempt(client, PASSWORD)).status).toBe(429);
      // Another address is counted apart.
      expect((await attempt(client, PASSWORD, "198.51.100.2")).status).toBe(200);
    });

    it("counters live in the KV, so every instance sharing it enforces one limit", async () => {
      const kv = fresh();
      const one = new TestClient(await loginApp(kv), "198.51.100.3");
      const two = new TestClient(await loginApp(kv), "198.51.100.3");
      for (let i = 0; i < 3; i++) await attempt(one);
      for (let i = 0; i < 2; i++) await attempt(two);
      expect((await attempt(one)).status).toBe(429);
    });

    it("a successful login gives its attempt back; limits are configurable", async () => {
      const app = await loginApp(fresh(), { throttle: { login: { max: 2, windowSeconds: 60 } } });
      const client = new TestClient(app, "198.51.100.4");
      for (let i = 0; i < 5; i++) expect((await attempt(client, PASSWORD)).status).toBe(200);
      await attempt(client);
      await attempt(client);
      const limited = await attempt(client);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    });

    it("Password reset: 3 per hour per email (the bucket features throttle through kit.throttle)", async () => {
      let kit: AuthKit | undefined;
      const grab: AuthFeature = {
        name: "grab",
        mount(router, k) {
          kit = k;
          router.post("/password/forgot", async (c) => {
            const { email } = await c.req.json<{ email: string }>();
            await kit!.throttle(c, `password-reset:${email}`);
            return c.json({ success: true });
          });
        },
      };
      const auth = useAuth({ kv: fresh(), features: [grab] });
      const client = new TestClient(new Hono<CovaraEnv>().route("/auth", auth.router));
      for (let i = 0; i < 3; i++)
        expect(
          (
            await client.send("POST", "/auth/password/forgot", {
              body: { email: "ada@example.com" },
              ip: `192.0.2.${i}`,
            })
          ).status,
        ).toBe(200);
      // Per email, whatever the address and however the email is cased.
      const limited = await client.send("POST", "/auth/password/forgot", {
        body: { email: "ADA@example.com" },
        ip: "192.0.2.99",
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3500);
      expect((await client.send("POST", "/auth/password/forgot", { body: { email: "bob@example.com" } })).status).toBe(
        200,
      );
    });
  });
}

describe("throttle configuration", () => {
  it("throttle: false switches it off; a bad limit is refused at startup", async () => {
    const app = await loginApp(createMemoryKV(), { throttle: false });
    const client = new TestClient(app);
    for (let i = 0; i < 8; i++) expect((await attempt(client)).status).toBe(401);
    expect(() => createThrottle({ kv: createMemoryKV(), limits: { login: { max: 0, windowSeconds: 1 } } })).toThrow(
      /positive/,
    );
  });

  it("malformed bodies are refused before they count as attempts", async () => {
    const app = await loginApp(createMemoryKV());
    const client = new TestClient(app);
    for (let i = 0; i < 8; i++)
      expect(
        (
          await client.send("POST", "/api/auth/login", {
            rawBody: "{",
            headers: { "content-type": "application/json" },
          })
        ).status,
      ).toBe(400);
    expect((await attempt(client, PASSWORD)).status).toBe(200);
  });
});

describe("Rate Limit Bypass Protection", () => {
  it("X-Forwarded-For only from trusted proxies", async () => {
    const resolve = createClientIpResolver({ trustedProxies: ["10.0.0.0/8", "fd00::/8"] });
    const app = new Hono<CovaraEnv>().get("/", (c) => c.text(resolve(c)));
    const ipOf = async (peer: string, xff?: string) =>
      (await new TestClient(app, peer).send("GET", "/", xff ? { headers: { "x-forwarded-for": xff } } : {})).text;
    // From an untrusted peer, the header is ignored: the client cannot pick its own bucket.
    expect(await ipOf("203.0.113.9", "1.1.1.1")).toBe("203.0.113.9");
    // From a trusted proxy, the hop it reports is the client.
    expect(await ipOf("10.1.2.3", "198.51.100.20")).toBe("198.51.100.20");
    // Through a chain of trusted proxies, the first untrusted hop from the right is the client;
    // anything the client wrote further left is ignored.
    expect(await ipOf("10.1.2.3", "6.6.6.6, 198.51.100.20, 10.9.9.9")).toBe("198.51.100.20");
    expect(await ipOf("fd00::1", "[2001:db8::5]:4711")).toBe("2001:db8::5");
    expect(await ipOf("10.1.2.3", "198.51.100.20:8080")).toBe("198.51.100.20");
    // Garbage in the header stops the walk at the last trustworthy hop.
    expect(await ipOf("10.1.2.3", "not-an-ip")).toBe("10.1.2.3");
    expect(await ipOf("10.1.2.3", "")).toBe("10.1.2.3");
    // No trusted proxies configured: never honoured.
    const plain = createClientIpResolver();
    const plainApp = new Hono<CovaraEnv>().get("/", (c) => c.text(plain(c)));
    expect(
      (await new TestClient(plainApp, "10.1.2.3").send("GET", "/", { headers: { "x-forwarded-for": "1.1.1.1" } })).text,
    ).toBe("10.1.2.3");
    expect(() => createClientIpResolver({ trustedProxies: ["10.0.0.0/33"] })).toThrow(/CIDR/);
  });

  it("CF-Connecting-IP is the peer only when running on Cloudflare Workers", async () => {
    const resolve = createClientIpResolver();
    const app = new Hono<CovaraEnv>().get("/", (c) => c.text(resolve(c)));
    const headers = { "cf-connecting-ip": "198.51.100.40" };
    expect(await (await app.request("/", { headers })).text()).toBe("unknown");
    vi.stubGlobal("navigator", { userAgent: "Cloudflare-Workers" });
    try {
      expect(await (await app.request("/", { headers })).text()).toBe("198.51.100.40");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("IP normalization (IPv4/IPv6)", async () => {
    expect(normalizeIp("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(normalizeIp("::FFFF:c000:0201")).toBe("192.0.2.1");
    expect(normalizeIp("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(normalizeIp("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(normalizeIp("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeIp("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeIp("::")).toBe("::");
    for (const bad of [
      "1.2.3",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.4.5",
      "2001:db8:::1",
      "1:2:3:4:5:6:7:8:9",
      "gggg::1",
      "",
      "localhost",
    ]) {
      expect(normalizeIp(bad), bad).toBeNull();
    }
    // The same client spelled two ways shares one throttle bucket.
    const app = await loginApp(createMemoryKV(), { throttle: { login: { max: 3, windowSeconds: 60 } } });
    const client = new TestClient(app);
    await attempt(client, undefined, "192.0.2.50");
    await attempt(client, undefined, "::ffff:192.0.2.50");
    await attempt(client, undefined, "::ffff:c000:232");
    expect((await attempt(client, undefined, "192.0.2.50")).status).toBe(429);
  });

  it("Header normalization (case-insensitive)", async () => {
    const resolve = createClientIpResolver({ trustedProxies: ["10.0.0.1"] });
    const app = new Hono<CovaraEnv>().get("/", (c) => c.text(resolve(c)));
    for (const name of ["X-Forwarded-For", "x-forwarded-for", "X-FORWARDED-FOR"]) {
      expect(
        (await new TestClient(app, "10.0.0.1").send("GET", "/", { headers: { [name]: "198.51.100.30" } })).text,
      ).toBe("198.51.100.30");
    }
    // Throttle keys are case-insensitive too (an email differing only in case is one bucket).
    const throttle = createThrottle({ kv: createMemoryKV(), limits: { x: { max: 1, windowSeconds: 60 } } });
    await throttle.hit("x:Ada@Example.com");
    await expect(throttle.hit("x:ada@example.com")).rejects.toMatchObject({ status: 429 });
  });
});

describe("CSRF protection (opt-in)", () => {
  async function csrfApp(csrf: AuthSecurityOptions["csrf"]) {
    const users = memoryUsers();
    await users.add("ada@example.com", PASSWORD);
    const auth = useAuth({
      users,
      passwordHashing: FAST_HASH,
      strategy: cookieSession({ store: createMemorySessionStore() }),
      security: { csrf, throttle: false },
    });
    const app = new Hono<CovaraEnv>();
    app.route("/api/auth", auth.router);
    app.use("*", auth.middleware);
    app.post("/api/notes", (c) => c.json({ ok: true, user: c.get("user")?.id ?? null }));
    app.get("/api/notes", (c) => c.json({ ok: true }));
    return app;
  }

  it("is off by default: a cross-site POST with the session cookie passes", async () => {
    const app = await csrfApp(undefined);
    const client = new TestClient(app);
    await attempt(client, PASSWORD);
    expect((await client.send("POST", "/api/notes", { headers: { origin: "https://evil.example" } })).status).toBe(200);
  });

  it("origin mode: unsafe requests from another origin are 403 csrf-rejected; same host, allowed origins and non-browsers pass", async () => {
    const app = await csrfApp({ mode: "origin", allowedOrigins: ["https://app.example.com"] });
    const client = new TestClient(app);
    expect(
      (
        await client.send("POST", "/api/auth/login", {
          body: { email: "ada@example.com", password: PASSWORD },
          headers: { origin: "http://localhost" },
        })
      ).status,
    ).toBe(200);
    const evil = await client.send("POST", "/api/notes", { headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("content-type")).toBe("application/problem+json");
    expect(evil.body.code).toBe("CSRF_REJECTED");
    expect((await client.send("POST", "/api/notes", { headers: { origin: "null" } })).status).toBe(403);
    expect(
      (await client.send("POST", "/api/notes", { headers: { referer: "https://evil.example/page" } })).status,
    ).toBe(403);
    expect((await client.send("POST", "/api/notes", { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    // Login CSRF too: a cross-site form cannot sign the victim into the attacker's account.
    expect(
      (
        await client.send("POST", "/api/auth/login", {
          body: { email: "ada@example.com", password: PASSWORD },
          headers: { origin: "https://evil.example" },
        })
      ).status,
    ).toBe(403);
    expect((await client.send("POST", "/api/notes", { headers: { origin: "http://localhost" } })).body.user).toBe("u1");
    expect((await client.send("POST", "/api/notes", { headers: { origin: "https://app.example.com" } })).status).toBe(
      200,
    );
    expect((await client.send("POST", "/api/notes", { headers: { referer: "http://localhost/app" } })).status).toBe(
      200,
    );
    expect((await client.send("POST", "/api/notes")).status).toBe(200);
    expect((await client.send("GET", "/api/notes", { headers: { origin: "https://evil.example" } })).status).toBe(200);
  });

  it("double-submit mode: cookie-authenticated unsafe requests must echo the CSRF cookie in x-csrf-token", async () => {
    const app = await csrfApp({ mode: "double-submit" });
    const client = new TestClient(app);
    const login = await attempt(client, PASSWORD);
    expect(login.body.csrfToken).toEqual(client.cookies.get("covara.csrf"));
    expect(login.setCookies["covara.csrf"]).not.toMatch(/HttpOnly/);
    const missing = await client.send("POST", "/api/notes");
    expect(missing.status).toBe(403);
    expect(missing.body.code).toBe("CSRF_REJECTED");
    expect((await client.send("POST", "/api/notes", { headers: { "x-csrf-token": "guess" } })).status).toBe(403);
    expect(
      (await client.send("POST", "/api/notes", { headers: { "x-csrf-token": login.body.csrfToken } })).status,
    ).toBe(200);
    // Anonymous requests carry no ambient authority, so they need no token.
    expect((await new TestClient(app).send("POST", "/api/notes")).status).toBe(200);
    // GET /csrf hands the token to a page that lost it.
    expect((await client.send("GET", "/api/auth/csrf")).body.csrfToken).toBe(login.body.csrfToken);
    // A fresh sign-in rotates it.
    const again = await attempt(client, PASSWORD, undefined);
    expect(again.status).toBe(403);
    const relogin = await client.send("POST", "/api/auth/login", {
      body: { email: "ada@example.com", password: PASSWORD },
      headers: { "x-csrf-token": login.body.csrfToken },
    });
    expect(relogin.body.csrfToken).not.toBe(login.body.csrfToken);
  });

  it("bearer requests are exempt", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", PASSWORD);
    const auth = useAuth({
      users,
      passwordHashing: FAST_HASH,
      strategy: jwtSession({ secret: "csrf-test-secret-of-at-least-32-bytes!!", issuer: "https://t", audience: "t" }),
      security: { csrf: { mode: "both" }, throttle: false },
    });
    const app = new Hono<CovaraEnv>();
    app.route("/api/auth", auth.router);
    app.use("*", auth.middleware);
    app.post("/api/notes", (c) => c.json({ user: c.get("user")?.id ?? null }));
    const client = new TestClient(app);
    const { accessToken } = (await attempt(client, PASSWORD)).body;
    const res = await client.send("POST", "/api/notes", {
      bearer: accessToken,
      headers: { origin: "https://other.example" },
    });
    expect(res.body).toEqual({ user: "u1" });
  });

  it("csrfProtection() works standalone on any Hono app", async () => {
    const app = new Hono().use("*", csrfProtection({ mode: "both" })).post("/", (c) => c.text("ok"));
    expect(
      (await app.request("http://localhost/", { method: "POST", headers: { origin: "https://evil.example" } })).status,
    ).toBe(403);
    expect(
      (await app.request("http://localhost/", { method: "POST", headers: { cookie: "covara.csrf=abc" } })).status,
    ).toBe(403);
    expect(
      (
        await app.request("http://localhost/", {
          method: "POST",
          headers: { cookie: "covara.csrf=abc", "x-csrf-token": "abc" },
        })
      ).status,
    ).toBe(200);
    expect(() => csrfProtection({ allowedOrigins: ["not a url"] })).toThrow(/URL/);
  });
});

describe("security headers", () => {
  it("createCovara sets HSTS, X-Frame-Options, nosniff and Referrer-Policy by default, and no CSP", async () => {
    const app = createCovara();
    for (const path of ["/healthz", "/nope"]) {
      const res = await app.request(path);
      expect(res.headers.get("strict-transport-security")).toBe("max-age=15552000; includeSubDomains");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("content-security-policy")).toBeNull();
    }
  });

  it("CSP is opt-in, options adjust each header, false removes them all", async () => {
    const app = createCovara({
      securityHeaders: {
        contentSecurityPolicy: { "default-src": ["'self'"], "img-src": ["'self'", "data:"] },
        hsts: { maxAgeSeconds: 60, includeSubDomains: false, preload: true },
        frameOptions: "SAMEORIGIN",
        referrerPolicy: "no-referrer",
      },
    });
    const res = await app.request("/healthz");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'self'; img-src 'self' data:");
    expect(res.headers.get("strict-transport-security")).toBe("max-age=60; preload");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const off = await createCovara({ securityHeaders: false }).request("/healthz");
    expect(off.headers.get("x-frame-options")).toBeNull();
    const reportOnly = await createCovara({
      securityHeaders: { contentSecurityPolicy: "default-src 'self'", cspReportOnly: true },
    }).request("/healthz");
    expect(reportOnly.headers.get("content-security-policy-report-only")).toBe("default-src 'self'");
  });

  it("standalone middleware leaves headers the handler set alone, and works on immutable responses", async () => {
    const app = new Hono()
      .use("*", securityHeaders())
      .get("/own", (c) => {
        c.header("x-frame-options", "SAMEORIGIN");
        return c.text("x");
      })
      .get("/passthrough", () => Response.redirect("http://localhost/elsewhere", 302));
    expect((await app.request("/own")).headers.get("x-frame-options")).toBe("SAMEORIGIN");
    const passthrough = await app.request("/passthrough");
    expect(passthrough.status).toBe(302);
    expect(passthrough.headers.get("x-content-type-options")).toBe("nosniff");
    expect(() => securityHeaders({ referrerPolicy: "a\r\nb" })).toThrow(/line breaks/);
  });
});
