/**
 * Magic links end to end through useAuth: the request that never reveals whether an address has
 * an account, single-use links, sign-up through a link, throttling, and bad input — with tokens in
 * the memory KV, Redis, and auth_verification_tokens on better-sqlite3, PGlite and PostgreSQL.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { magicLinks, mfa, type MagicLinkOptions } from "../../../src/auth";
import {
  backendRuns,
  expectProblem,
  featureApp,
  memoryUsers,
  tokenBackends,
  tokenOf,
  type MemoryUsers,
} from "./helpers/auth-app";

for (const backend of tokenBackends) {
  describe.runIf(await backendRuns(backend))(`magic links with ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(() => opened.close());
    afterAll(() => backend.shutdown?.());

    async function setup(
      options: MagicLinkOptions = {},
      users: MemoryUsers = memoryUsers(),
      extra: Parameters<typeof featureApp>[2] = {},
    ) {
      await users.add("ada@example.com");
      return featureApp(opened, [magicLinks(options)], { users, ...extra });
    }

    it("Magic links: magicLink adds /magic-link/request (always returns { success: true }, anti-enumeration) and /magic-link/verify (single-use token, creates the session)", async () => {
      const t = await setup({ signUp: false });
      const browser = t.browser();
      const known = await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "Ada@Example.com" } });
      const unknown = await browser.send("POST", "/api/auth/magic-link/request", {
        body: { email: "nobody@example.com" },
      });
      // Same status, same body, same headers that matter: nothing tells the two apart.
      expect(known.status).toBe(200);
      expect(known.body).toEqual({ success: true });
      expect(unknown.status).toBe(known.status);
      expect(unknown.text).toBe(known.text);
      expect(unknown.headers.get("content-type")).toBe(known.headers.get("content-type"));
      await browser.settle();
      expect(t.outbox).toHaveLength(1);
      const email = t.outbox[0]!;
      expect(email).toMatchObject({ to: "ada@example.com", kind: "magic-link", subject: "Your sign-in link" });
      expect(email.url).toMatch(/^http:\/\/localhost\/api\/auth\/magic-link\/verify\?token=/);
      expect(email.text).toContain(email.url);
      expect(email.html).toContain("href=");

      const visitor = t.browser();
      const signed = await visitor.send(
        "GET",
        `/api/auth/magic-link/verify?token=${encodeURIComponent(tokenOf(email))}`,
      );
      expect(signed.status).toBe(200);
      expect(signed.body.user.email).toBe("ada@example.com");
      expect((await visitor.send("GET", "/api/whoami")).body.user.id).toBe("1");
      // Following the link proves the address.
      expect(t.users.rows.get("1")!.emailVerified).toBeInstanceOf(Date);

      // Single use: the same link fails the second time, by GET or by POST.
      expectProblem(
        await t.browser().send("GET", `/api/auth/magic-link/verify?token=${encodeURIComponent(tokenOf(email))}`),
        401,
        "INVALID_TOKEN",
      );
      expectProblem(
        await t.browser().send("POST", "/api/auth/magic-link/verify", { body: { token: tokenOf(email) } }),
        401,
        "INVALID_TOKEN",
      );
    });

    it("POST /magic-link/verify with a JSON token signs in too", async () => {
      const t = await setup();
      const browser = t.browser();
      await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      const res = await browser.send("POST", "/api/auth/magic-link/verify", { body: { token: tokenOf(t.outbox[0]) } });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe("1");
    });

    it("unknown emails sign up through a link when the directory can create users (configurable)", async () => {
      const t = await setup();
      const browser = t.browser();
      expect(
        (await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "new@example.com" } })).body,
      ).toEqual({ success: true });
      await browser.settle();
      expect(t.outbox.map((email) => email.to)).toEqual(["new@example.com"]);
      // Nobody is created until the link is followed.
      expect(t.users.calls).toEqual([]);
      const res = await browser.send("GET", `/api/auth/magic-link/verify?token=${tokenOf(t.outbox[0])}`);
      expect(res.status).toBe(200);
      expect(res.body.user.email).toBe("new@example.com");
      expect(t.users.calls).toEqual(["createUser:new@example.com"]);
      expect(t.users.rows.get(res.body.user.id)!.emailVerified).toBeInstanceOf(Date);
    });

    it("with signUp: false (or no createUser) an unknown email gets the same answer and no email", async () => {
      const users = memoryUsers(["createUser"]);
      const t = await setup({}, users);
      const browser = t.browser();
      expect(
        (await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "new@example.com" } })).body,
      ).toEqual({ success: true });
      await browser.settle();
      expect(t.outbox).toEqual([]);
    });

    it("an expired link fails", async () => {
      const t = await setup({ ttlMs: 1 });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      const token = tokenOf(t.outbox[0]);
      // Wait until the 1 ms lifetime has certainly passed (a condition, not a timed assertion).
      const issued = Date.now();
      while (Date.now() - issued < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      expectProblem(await browser.send("GET", `/api/auth/magic-link/verify?token=${token}`), 401, "INVALID_TOKEN");
    });

    it("with successRedirect, GET /magic-link/verify answers 303 and keeps the session cookie", async () => {
      const t = await setup({ successRedirect: "/welcome" });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      const res = await browser.send("GET", `/api/auth/magic-link/verify?token=${tokenOf(t.outbox[0])}`);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/welcome");
      expect((await browser.send("GET", "/api/whoami")).body.user.id).toBe("1");
    });

    it("a magic-link sign-in still asks for the second factor when MFA is on", async () => {
      const users = memoryUsers();
      await users.add("ada@example.com");
      const t = featureApp(opened, [magicLinks(), mfa()], { users });
      // Turn MFA on directly in its store, as an earlier enrollment would have.
      await opened.kv.set(
        "auth:mfa:state:1",
        JSON.stringify({ secret: "JBSWY3DPEHPK3PXP", enabled: true, createdAt: 0, enabledAt: 0 }),
      );
      const browser = t.browser();
      await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      const res = await browser.send("GET", `/api/auth/magic-link/verify?token=${tokenOf(t.outbox[0])}`);
      expect(expectProblem(res, 401, "MFA_REQUIRED").mfaRequired).toBe(true);
    });

    it("requests are throttled per email and per IP, identically for known and unknown addresses", async () => {
      const t = await setup({}, memoryUsers(), {
        security: {
          throttle: { "magic-link": { max: 2, windowSeconds: 900 }, "magic-link-ip": { max: 4, windowSeconds: 900 } },
        },
      });
      const browser = t.browser();
      for (const email of ["ada@example.com", "nobody@example.com"]) {
        for (let i = 0; i < 2; i++)
          expect(
            (
              await browser.send("POST", "/api/auth/magic-link/request", {
                body: { email },
                headers: { "x-test-peer": "10.0.0.1" },
              })
            ).status,
          ).toBe(200);
        expectProblem(
          await browser.send("POST", "/api/auth/magic-link/request", {
            body: { email },
            headers: { "x-test-peer": "10.0.0.2" },
          }),
          429,
          "RATE_LIMIT_EXCEEDED",
        );
      }
      // 10.0.0.1 has used its 4; a fifth address from it is refused too.
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/request", {
          body: { email: "cy@example.com" },
          headers: { "x-test-peer": "10.0.0.1" },
        }),
        429,
        "RATE_LIMIT_EXCEEDED",
      );
    });

    it("rejects malformed bodies, missing fields, overlong inputs and bad tokens with 4xx problems", async () => {
      const t = await setup();
      const browser = t.browser();
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/request", {
          rawBody: "{",
          headers: { "content-type": "application/json" },
        }),
        400,
        "INVALID_JSON",
      );
      expectProblem(await browser.send("POST", "/api/auth/magic-link/request", { body: {} }), 400, "VALIDATION_ERROR");
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/request", { body: { email: "not an email" } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/request", {
          body: { email: `${"a".repeat(250)}@example.com` },
        }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/request", { body: { email: ["ada@example.com"] } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(await browser.send("GET", "/api/auth/magic-link/verify"), 400, "VALIDATION_ERROR");
      expectProblem(
        await browser.send("GET", `/api/auth/magic-link/verify?token=${"a".repeat(600)}`),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(await browser.send("GET", "/api/auth/magic-link/verify?token=forged"), 401, "INVALID_TOKEN");
      expectProblem(
        await browser.send("POST", "/api/auth/magic-link/verify", { body: { token: 42 } }),
        400,
        "VALIDATION_ERROR",
      );
      await browser.settle();
      expect(t.outbox).toEqual([]);
    });
  });
}
