/**
 * jwtSession over the memory KV and the real Redis: bearer access tokens, the HttpOnly refresh
 * cookie, POST /refresh with rotation and reuse detection, logout invalidation, the refresh rate
 * limit, and what every rejected token gets.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CovaraEnv } from "../../../src";
import { jwtSession, requireUser, signJwt, importJwtKey, useAuth } from "../../../src/auth";
import type { KV } from "../../../src/kernel/kv";
import { kvTargets, runs, uniquePrefix } from "../stores/backends";
import { FAST_HASH, memoryUsers, prefixedKV, TestClient, type TestUsers } from "../core/harness";

const PASSWORD = "correct horse battery";
const SECRET = "jwt-session-test-secret-of-at-least-32-bytes";
const ISSUER = "https://app.test";

function build(
  kv: KV,
  users: TestUsers,
  options: Partial<Parameters<typeof jwtSession>[0]> = {},
  throttle: false | undefined = false,
) {
  const strategy = jwtSession({ secret: SECRET, issuer: ISSUER, audience: "app", ...options });
  const auth = useAuth({
    strategy,
    users,
    kv,
    passwordHashing: FAST_HASH,
    security: throttle === false ? { throttle: { login: false, signup: false } } : {},
  });
  const app = new Hono<CovaraEnv>();
  app.route("/api/auth", auth.router);
  app.use("*", auth.middleware);
  app.get("/api/whoami", (c) => c.json({ id: requireUser(c).id }));
  return { app, strategy };
}

async function signIn(client: TestClient): Promise<string> {
  const res = await client.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } });
  expect(res.status).toBe(200);
  return res.body.accessToken;
}

for (const target of kvTargets) {
  const available = await runs(target);
  describe.skipIf(!available)(`jwtSession [${target.name}]`, () => {
    let base: KV;
    let users: TestUsers;

    beforeAll(async () => {
      base = await target.open();
      users = memoryUsers();
      await users.add("ada@example.com", PASSWORD);
    });
    afterAll(async () => {
      for (const key of await base.keys("jwt-core:")) await base.delete(key);
      await base.close();
    });
    // Each test in its own key space: refresh families and throttles never leak between tests.
    const fresh = () => prefixedKV(base, uniquePrefix("jwt-core"));

    it("issues a bearer access token (typ at+jwt, iss/aud/sub/exp/sid) and an HttpOnly, SameSite=Strict refresh cookie scoped to the auth router", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const res = await client.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      expect(res.body).toMatchObject({
        user: { id: "u1" },
        tokenType: "Bearer",
        expiresIn: 900,
        accessToken: expect.any(String),
      });
      expect(res.body.refreshToken).toBeUndefined();
      expect(res.headers.get("cache-control")).toBe("no-store");
      const [header, payload] = (res.body.accessToken as string)
        .split(".")
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
      expect(header).toEqual({ alg: "HS256", typ: "at+jwt" });
      expect(payload).toMatchObject({ iss: ISSUER, aud: "app", sub: "u1", sid: expect.any(String) });
      expect(payload.exp - payload.iat).toBe(900);
      const cookie = res.setCookies["covara.refresh"]!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).toMatch(/; Path=\/api\/auth/);
      expect((await client.send("GET", "/api/whoami", { bearer: res.body.accessToken })).body).toEqual({ id: "u1" });
    });

    it("POST /refresh rotates: a new access token and a new refresh token, the old one spent", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const first = await signIn(client);
      const firstRefresh = client.cookies.get("covara.refresh")!;
      const refreshed = await client.send("POST", "/api/auth/refresh");
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.accessToken).not.toBe(first);
      expect(client.cookies.get("covara.refresh")).not.toBe(firstRefresh);
      expect((await client.send("GET", "/api/whoami", { bearer: refreshed.body.accessToken })).status).toBe(200);
      // Both access tokens belong to the same live family.
      expect((await client.send("GET", "/api/whoami", { bearer: first })).status).toBe(200);
    });

    it("a reused refresh token revokes the whole family (thief and victim alike must sign in again)", async () => {
      const { app } = build(fresh(), users);
      const victim = new TestClient(app);
      const access = await signIn(victim);
      const stolen = victim.cookies.get("covara.refresh")!;
      const legit = await victim.send("POST", "/api/auth/refresh");
      expect(legit.status).toBe(200);
      const thief = new TestClient(app);
      const replay = await thief.send("POST", "/api/auth/refresh", { headers: { cookie: `covara.refresh=${stolen}` } });
      expect(replay.status).toBe(401);
      expect(replay.body).toMatchObject({ code: "INVALID_TOKEN" });
      expect((await victim.send("POST", "/api/auth/refresh")).status).toBe(401);
      expect((await victim.send("GET", "/api/whoami", { bearer: legit.body.accessToken })).status).toBe(401);
      expect((await victim.send("GET", "/api/whoami", { bearer: access })).status).toBe(401);
    });

    it("of concurrent refreshes with one token, exactly one succeeds", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      await signIn(client);
      const cookie = `covara.refresh=${client.cookies.get("covara.refresh")}`;
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map(() => new TestClient(app).send("POST", "/api/auth/refresh", { headers: { cookie } })),
      );
      expect(results.filter((res) => res.status === 200)).toHaveLength(1);
      expect(results.filter((res) => res.status === 401)).toHaveLength(4);
    });

    it("Logout invalidation: All session tokens invalidated on logout (refresh cookie and the access tokens of its family)", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const access = await signIn(client);
      const refresh = client.cookies.get("covara.refresh")!;
      const out = await client.send("POST", "/api/auth/logout", { bearer: access });
      expect(out.status).toBe(200);
      expect(out.setCookies["covara.refresh"]).toMatch(/Max-Age=0/);
      expect((await client.send("GET", "/api/whoami", { bearer: access })).status).toBe(401);
      expect(
        (
          await new TestClient(app).send("POST", "/api/auth/refresh", {
            headers: { cookie: `covara.refresh=${refresh}` },
          })
        ).status,
      ).toBe(401);
    });

    it("logout with only the bearer token (no cookie) still ends the family", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const access = await signIn(client);
      const refresh = client.cookies.get("covara.refresh")!;
      await new TestClient(app).send("POST", "/api/auth/logout", { bearer: access });
      expect(
        (
          await new TestClient(app).send("POST", "/api/auth/refresh", {
            headers: { cookie: `covara.refresh=${refresh}` },
          })
        ).status,
      ).toBe(401);
    });

    it("Bulk invalidation: revokeAll ends every family of the user", async () => {
      const { app, strategy } = build(fresh(), users);
      const phone = new TestClient(app);
      const laptop = new TestClient(app);
      const a = await signIn(phone);
      const b = await signIn(laptop);
      await strategy.revokeAll("u1");
      for (const [client, token] of [
        [phone, a],
        [laptop, b],
      ] as const) {
        expect((await client.send("GET", "/api/whoami", { bearer: token })).status).toBe(401);
        expect((await client.send("POST", "/api/auth/refresh")).status).toBe(401);
      }
    });

    it("Session rotation: a refresh family the request carried before signing in does not survive it", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const old = await signIn(client);
      const oldRefresh = client.cookies.get("covara.refresh")!;
      await signIn(client);
      expect((await client.send("GET", "/api/whoami", { bearer: old })).status).toBe(401);
      expect(
        (
          await new TestClient(app).send("POST", "/api/auth/refresh", {
            headers: { cookie: `covara.refresh=${oldRefresh}` },
          })
        ).status,
      ).toBe(401);
    });

    it("Token refresh: 10 per minute per user", async () => {
      const { app } = build(fresh(), users, {}, undefined);
      const client = new TestClient(app);
      await signIn(client);
      for (let i = 0; i < 10; i++) expect((await client.send("POST", "/api/auth/refresh")).status).toBe(200);
      const limited = await client.send("POST", "/api/auth/refresh");
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe("RATE_LIMIT_EXCEEDED");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    });

    it("clients without cookies may send the refresh token in the body when refreshTokenInBody is on", async () => {
      const { app } = build(fresh(), users, { refreshTokenInBody: true });
      const client = new TestClient(app);
      const res = await client.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      expect(res.body.refreshToken).toEqual(expect.any(String));
      const refreshed = await new TestClient(app).send("POST", "/api/auth/refresh", {
        body: { refreshToken: res.body.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refreshToken).not.toBe(res.body.refreshToken);
    });

    it.each([
      ["no token at all", {}],
      ["a garbage cookie", { headers: { cookie: "covara.refresh=garbage" } }],
      ["an unknown well-formed token", { headers: { cookie: `covara.refresh=${"a".repeat(43)}` } }],
      ["a non-string body token", { body: { refreshToken: 42 } }],
      ["malformed JSON", { rawBody: "{", headers: { "content-type": "application/json" } }],
    ])("POST /refresh with %s is a clear 4xx problem", async (_label, request) => {
      const { app } = build(fresh(), users);
      const res = await new TestClient(app).send("POST", "/api/auth/refresh", request as never);
      expect([400, 401]).toContain(res.status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    });

    it("Invalid Token: returns 401 Unauthorized, a clear error message without leaking info, no retry (client must re-authenticate)", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const good = await signIn(client);
      const otherKey = await importJwtKey({ alg: "HS256", secret: "a-different-secret-also-32-bytes-long!!" });
      const now = Math.floor(Date.now() / 1000);
      const forged = await signJwt({ iss: ISSUER, aud: "app", sub: "u1", exp: now + 60, sid: "x" }, otherKey);
      const [h, p, s] = good.split(".");
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), sub: "u2" })).toString("base64url")}.${s}`;
      const bodies = new Set<string>();
      for (const token of [forged, tampered, "a.b.c", `${h}.${p}.`, good.slice(0, -2)]) {
        const res = await client.send("GET", "/api/whoami", { bearer: token });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
        bodies.add(res.text);
      }
      expect(bodies.size).toBe(1);
      expect(JSON.parse([...bodies][0]!)).toEqual({
        type: "/__covara/problems/invalid-token",
        title: "Invalid or expired token",
        status: 401,
        code: "INVALID_TOKEN",
        detail: "The access token is invalid or expired; sign in again",
      });
    });

    it("an expired access token is 401 while its refresh token still works (Session Expired: refresh token may still be valid)", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
        const { app } = build(fresh(), users, { accessTtlSeconds: 60, clockSkewSeconds: 0 });
        const client = new TestClient(app);
        const access = await signIn(client);
        vi.setSystemTime(new Date("2030-01-01T00:01:01Z"));
        expect((await client.send("GET", "/api/whoami", { bearer: access })).status).toBe(401);
        const refreshed = await client.send("POST", "/api/auth/refresh");
        expect(refreshed.status).toBe(200);
        expect((await client.send("GET", "/api/whoami", { bearer: refreshed.body.accessToken })).status).toBe(200);
      } finally {
        vi.useRealTimers();
      }
    });

    it("a JWT of another type signed with the same key is not an access token", async () => {
      const { app } = build(fresh(), users);
      const client = new TestClient(app);
      const access = await signIn(client);
      const claims = JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString());
      const key = await importJwtKey({ alg: "HS256", secret: SECRET });
      const idToken = await signJwt(claims, key, { typ: "JWT" });
      expect((await client.send("GET", "/api/whoami", { bearer: idToken })).status).toBe(401);
    });

    it("a rejected refresh clears the refresh cookie", async () => {
      const { app } = build(fresh(), users);
      const res = await new TestClient(app).send("POST", "/api/auth/refresh", {
        headers: { cookie: "covara.refresh=garbage" },
      });
      expect(res.status).toBe(401);
      expect(res.setCookies["covara.refresh"]).toMatch(/Max-Age=0/);
      expect(res.setCookies["covara.refresh"]).toMatch(/Path=\/api\/auth/);
    });

    it("a bearer credential that is not JWT-shaped (an API key) is left to other authenticators", async () => {
      const { app } = build(fresh(), users);
      const res = await new TestClient(app).send("GET", "/api/whoami", { bearer: "ck_live_abc123.secretpart" });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("UNAUTHORIZED");
    });

    it("with checkRevocation off, access tokens are purely stateless until they expire", async () => {
      const { app } = build(fresh(), users, { checkRevocation: false });
      const client = new TestClient(app);
      const access = await signIn(client);
      await client.send("POST", "/api/auth/logout");
      expect((await client.send("GET", "/api/whoami", { bearer: access })).status).toBe(200);
    });

    it("refuses bad configuration at construction", () => {
      expect(() => jwtSession({ issuer: ISSUER, audience: "app" })).toThrow(/secret or keys/);
      expect(() => jwtSession({ secret: SECRET, issuer: "", audience: "app" })).toThrow(/issuer/);
      expect(() => jwtSession({ secret: SECRET, issuer: ISSUER, audience: "app", accessTtlSeconds: 0 })).toThrow(
        /positive/,
      );
    });
  });
}
