/**
 * Email verification end to end through useAuth: the link sent on signup and on request, the
 * single-use token bound to one user and one address, and bad input — with tokens in the memory
 * KV, Redis, and auth_verification_tokens on better-sqlite3, PGlite and PostgreSQL.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { emailVerification, useAuth, type EmailVerificationOptions } from "../../../src/auth";
import { backendRuns, expectProblem, featureApp, memoryUsers, tokenBackends, tokenOf } from "./helpers/auth-app";

const PASSWORD = "correct horse battery staple";

for (const backend of tokenBackends) {
  describe.runIf(await backendRuns(backend))(`email verification with ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(() => opened.close());
    afterAll(() => backend.shutdown?.());

    function setup(options: EmailVerificationOptions = {}) {
      return featureApp(opened, [emailVerification(options)]);
    }

    it("sends a verification link on signup, and following it marks the address verified (users.markEmailVerified)", async () => {
      const t = setup();
      const browser = t.browser();
      const signup = await browser.send("POST", "/api/auth/signup", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      expect(signup.status).toBe(201);
      await browser.settle();
      expect(t.outbox).toHaveLength(1);
      expect(t.outbox[0]).toMatchObject({
        to: "ada@example.com",
        kind: "email-verification",
        subject: "Verify your email",
      });
      expect(t.outbox[0]!.url).toMatch(/^http:\/\/localhost\/api\/auth\/verify-email\?token=/);

      const res = await t.browser().send("GET", `/api/auth/verify-email?token=${tokenOf(t.outbox[0])}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, verified: true });
      expect(t.users.calls).toContain(`markEmailVerified:${signup.body.user.id}`);
      expect(t.users.rows.get(signup.body.user.id)!.emailVerified).toBeInstanceOf(Date);
      // Single use.
      expectProblem(
        await t.browser().send("GET", `/api/auth/verify-email?token=${tokenOf(t.outbox[0])}`),
        401,
        "INVALID_TOKEN",
      );
    });

    it("with sendOnSignup: false, signup sends nothing; POST /verify-email/request sends the link to the signed-in user", async () => {
      const t = setup({ sendOnSignup: false });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/signup", { body: { email: "ada@example.com", password: PASSWORD } });
      await browser.settle();
      expect(t.outbox).toEqual([]);
      expect((await browser.send("POST", "/api/auth/verify-email/request")).body).toEqual({ success: true });
      await browser.settle();
      expect(t.outbox).toHaveLength(1);
      const res = await browser.send("POST", "/api/auth/verify-email", { body: { token: tokenOf(t.outbox[0]) } });
      expect(res.status).toBe(200);
      // Once verified, a request says so instead of sending again.
      expect((await browser.send("POST", "/api/auth/verify-email/request")).body).toEqual({
        success: true,
        alreadyVerified: true,
      });
      await browser.settle();
      expect(t.outbox).toHaveLength(1);
    });

    it("a link sent before the address changed does not verify the new address", async () => {
      const t = setup({ sendOnSignup: false });
      const browser = t.browser();
      const signup = await browser.send("POST", "/api/auth/signup", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      await browser.send("POST", "/api/auth/verify-email/request");
      await browser.settle();
      t.users.rows.get(signup.body.user.id)!.email = "ada@elsewhere.example";
      expectProblem(
        await browser.send("GET", `/api/auth/verify-email?token=${tokenOf(t.outbox[0])}`),
        401,
        "INVALID_TOKEN",
      );
      expect(t.users.rows.get(signup.body.user.id)!.emailVerified).toBeNull();
    });

    it("with successRedirect, GET /verify-email answers 303", async () => {
      const t = setup({ successRedirect: "/verified" });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/signup", { body: { email: "ada@example.com", password: PASSWORD } });
      await browser.settle();
      const res = await browser.send("GET", `/api/auth/verify-email?token=${tokenOf(t.outbox[0])}`);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/verified");
    });

    it("a custom email builder and link URL replace the defaults", async () => {
      const t = setup({
        buildUrl: (token) => `https://app.example/verify#${token}`,
        email: ({ url }) => ({ subject: "Bitte bestätigen", text: `Link: ${url}` }),
      });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/signup", { body: { email: "ada@example.com", password: PASSWORD } });
      await browser.settle();
      expect(t.outbox[0]).toMatchObject({ subject: "Bitte bestätigen" });
      expect(t.outbox[0]!.url).toMatch(/^https:\/\/app\.example\/verify#/);
      expect(t.outbox[0]!.html).toBeUndefined();
    });

    it("rejects anonymous requests, missing and overlong tokens and forged tokens with 4xx problems", async () => {
      const t = setup();
      const browser = t.browser();
      expectProblem(await browser.send("POST", "/api/auth/verify-email/request"), 401, "UNAUTHORIZED");
      expectProblem(await browser.send("GET", "/api/auth/verify-email"), 400, "VALIDATION_ERROR");
      expectProblem(
        await browser.send("GET", `/api/auth/verify-email?token=${"x".repeat(513)}`),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(await browser.send("POST", "/api/auth/verify-email", { body: {} }), 400, "VALIDATION_ERROR");
      expectProblem(
        await browser.send("POST", "/api/auth/verify-email", {
          rawBody: "[",
          headers: { "content-type": "application/json" },
        }),
        400,
        "INVALID_JSON",
      );
      expectProblem(await browser.send("GET", "/api/auth/verify-email?token=forged"), 401, "INVALID_TOKEN");
    });

    it("refuses to mount without users.markEmailVerified", () => {
      const users = memoryUsers(["markEmailVerified"]);
      expect(() => useAuth({ kv: opened.kv, users, features: [emailVerification()] })).toThrow(/markEmailVerified/);
    });
  });
}
