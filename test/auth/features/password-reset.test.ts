/**
 * Password reset end to end through useAuth: the request that never reveals whether an address
 * has an account, the policy check, the single-use token, the new hash, logout everywhere,
 * throttling and bad input — with tokens in the memory KV, Redis, and auth_verification_tokens on
 * better-sqlite3, PGlite and PostgreSQL.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { passwordReset, readHashParams, useAuth, verifyPassword, type PasswordResetOptions } from "../../../src/auth";
import {
  backendRuns,
  expectProblem,
  FAST_HASH,
  featureApp,
  memoryUsers,
  tokenBackends,
  tokenOf,
  type Browser,
  type FeatureApp,
} from "./helpers/auth-app";

const OLD = "correct horse battery staple";
const NEW = "tangerine submarine orchestra";

for (const backend of tokenBackends) {
  describe.runIf(await backendRuns(backend))(`password reset with ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(() => opened.close());
    afterAll(() => backend.shutdown?.());

    async function setup(options: PasswordResetOptions = {}, extra: Parameters<typeof featureApp>[2] = {}) {
      const users = memoryUsers();
      await users.add("ada@example.com", OLD, { name: "Ada Lovelace" });
      return featureApp(opened, [passwordReset({ hash: FAST_HASH, ...options })], { users, ...extra });
    }

    async function login(t: FeatureApp, password: string): Promise<{ browser: Browser; status: number }> {
      const browser = t.browser();
      const res = await browser.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password } });
      return { browser, status: res.status };
    }

    async function requestLink(t: FeatureApp, email = "ada@example.com"): Promise<string> {
      const browser = t.browser();
      const res = await browser.send("POST", "/api/auth/password-reset/request", { body: { email } });
      expect(res.body).toEqual({ success: true });
      await browser.settle();
      return tokenOf(t.outbox.at(-1));
    }

    it("POST /password-reset/request always gives the same answer and emails only existing accounts", async () => {
      const t = await setup();
      const browser = t.browser();
      const known = await browser.send("POST", "/api/auth/password-reset/request", {
        body: { email: "ada@example.com" },
      });
      const unknown = await browser.send("POST", "/api/auth/password-reset/request", {
        body: { email: "nobody@example.com" },
      });
      expect(known.status).toBe(200);
      expect(unknown.status).toBe(200);
      expect(unknown.text).toBe(known.text);
      expect(known.body).toEqual({ success: true });
      await browser.settle();
      expect(t.outbox).toHaveLength(1);
      expect(t.outbox[0]).toMatchObject({
        to: "ada@example.com",
        kind: "password-reset",
        subject: "Reset your password",
      });
    });

    it("POST /password-reset/confirm stores the new hash (users.setPasswordHash) and the token is single use", async () => {
      const t = await setup();
      const token = await requestLink(t);
      const res = await t
        .browser()
        .send("POST", "/api/auth/password-reset/confirm", { body: { token, password: NEW } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      expect(t.users.calls).toEqual(["setPasswordHash:1"]);
      expect(await verifyPassword(NEW, t.users.rows.get("1")!.passwordHash!)).toBe(true);
      expect((await login(t, NEW)).status).toBe(200);
      expect((await login(t, OLD)).status).toBe(401);
      expectProblem(
        await t
          .browser()
          .send("POST", "/api/auth/password-reset/confirm", { body: { token, password: "another fine passphrase" } }),
        401,
        "INVALID_TOKEN",
      );
    });

    it("Password policy: … weak passwords are rejected with 422 on … POST /password/reset; a built-in denylist of common passwords is enabled by default", async () => {
      const t = await setup();
      const token = await requestLink(t);
      const denied = expectProblem(
        await t.browser().send("POST", "/api/auth/password/reset", { body: { token, password: "password123" } }),
        422,
        "PASSWORD_POLICY",
      );
      expect(denied.rules).toContain("denylist");
      expectProblem(
        await t.browser().send("POST", "/api/auth/password-reset/confirm", { body: { token, password: "short" } }),
        422,
        "PASSWORD_POLICY",
      );
      // A weak choice does not burn the link.
      expect(
        (await t.browser().send("POST", "/api/auth/password/reset", { body: { token, password: NEW } })).status,
      ).toBe(200);
    });

    it("a password repeating the user's own details is refused with a fresh token to retry with", async () => {
      const t = await setup();
      const token = await requestLink(t);
      const refused = expectProblem(
        await t
          .browser()
          .send("POST", "/api/auth/password-reset/confirm", { body: { token, password: "lovelace-forever-2024" } }),
        422,
        "PASSWORD_POLICY",
      );
      expect(refused.rules).toEqual(["user-input"]);
      expect(typeof refused.token).toBe("string");
      expectProblem(
        await t.browser().send("POST", "/api/auth/password-reset/confirm", { body: { token, password: NEW } }),
        401,
        "INVALID_TOKEN",
      );
      expect(
        (
          await t
            .browser()
            .send("POST", "/api/auth/password-reset/confirm", { body: { token: refused.token, password: NEW } })
        ).status,
      ).toBe(200);
    });

    it("with passwordPolicy: false any non-empty password is accepted", async () => {
      const t = await setup({ passwordPolicy: false });
      const token = await requestLink(t);
      expect(
        (await t.browser().send("POST", "/api/auth/password-reset/confirm", { body: { token, password: "x" } })).status,
      ).toBe(200);
    });

    it("Bulk invalidation: … password reset uses it when logoutEverywhere is set", async () => {
      const t = await setup();
      const laptop = await login(t, OLD);
      const phone = await login(t, OLD);
      expect((await laptop.browser.send("GET", "/api/whoami")).body.user.id).toBe("1");
      const token = await requestLink(t);
      expect(
        (await t.browser().send("POST", "/api/auth/password-reset/confirm", { body: { token, password: NEW } })).status,
      ).toBe(200);
      expect((await laptop.browser.send("GET", "/api/whoami")).body.user).toBeNull();
      expect((await phone.browser.send("GET", "/api/whoami")).body.user).toBeNull();
    });

    it("with logoutEverywhere: false the existing sessions survive the reset", async () => {
      const t = await setup({ logoutEverywhere: false });
      const laptop = await login(t, OLD);
      const token = await requestLink(t);
      expect(
        (await t.browser().send("POST", "/api/auth/password-reset/confirm", { body: { token, password: NEW } })).status,
      ).toBe(200);
      expect((await laptop.browser.send("GET", "/api/whoami")).body.user.id).toBe("1");
    });

    it("Password reset: 3 per hour per email", async () => {
      const t = await setup();
      const browser = t.browser();
      for (const email of ["ada@example.com", "nobody@example.com"]) {
        for (let i = 0; i < 3; i++) {
          const res = await browser.send("POST", "/api/auth/password-reset/request", {
            body: { email },
            headers: { "x-test-peer": `10.0.0.${i}` },
          });
          expect(res.status).toBe(200);
        }
        const limited = expectProblem(
          await browser.send("POST", "/api/auth/password-reset/request", {
            body: { email: email.toUpperCase() },
            headers: { "x-test-peer": "10.0.9.9" },
          }),
          429,
          "RATE_LIMIT_EXCEEDED",
        );
        expect(limited.windowSeconds).toBe(3600);
      }
    });

    it("rejects malformed bodies, missing fields, overlong inputs and forged tokens with 4xx problems", async () => {
      const t = await setup();
      const browser = t.browser();
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/request", {
          rawBody: "{",
          headers: { "content-type": "application/json" },
        }),
        400,
        "INVALID_JSON",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/request", { body: {} }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/request", { body: { email: "nope" } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/request", {
          rawBody: "email=a@b.c",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/confirm", { body: { token: "abc" } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/confirm", { body: { password: NEW } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/confirm", {
          body: { token: "abc", password: "x".repeat(1025) },
        }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/confirm", {
          body: { token: "t".repeat(513), password: NEW },
        }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/password-reset/confirm", { body: { token: "forged", password: NEW } }),
        401,
        "INVALID_TOKEN",
      );
      expect(t.users.calls).toEqual([]);
    });

    it("refuses to mount without users.findByEmail and users.setPasswordHash", () => {
      expect(() =>
        useAuth({ kv: opened.kv, users: memoryUsers(["setPasswordHash"]), features: [passwordReset()] }),
      ).toThrow(/setPasswordHash/);
    });
  });
}

describe("password reset hashing", () => {
  it("stores hashPassword(new) with the OWASP default parameters (N=2^17, r=8, p=1) unless told otherwise", async () => {
    const backend = tokenBackends[0]!;
    const opened = await backend.open();
    try {
      const users = memoryUsers();
      await users.add("ada@example.com", OLD);
      const t = featureApp(opened, [passwordReset()], { users });
      const browser = t.browser();
      await browser.send("POST", "/api/auth/password-reset/request", { body: { email: "ada@example.com" } });
      await browser.settle();
      expect(
        (
          await browser.send("POST", "/api/auth/password-reset/confirm", {
            body: { token: tokenOf(t.outbox[0]), password: NEW },
          })
        ).status,
      ).toBe(200);
      expect(readHashParams(users.rows.get("1")!.passwordHash!)).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    } finally {
      await opened.close();
    }
  });
});
