/**
 * TOTP MFA end to end through useAuth: two-step enrollment, the login challenge, verification by
 * TOTP or backup code, replay refusal, disabling, throttling and bad input — on the memory KV and
 * the real Redis.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKVMfaStore, mfa, type MfaOptions, type MfaStore } from "../../../src/auth";
import type { KV } from "../../../src/kernel/kv";
import {
  backendRuns,
  expectProblem,
  featureApp,
  kvBackends,
  memoryUsers,
  type Browser,
  type FeatureApp,
} from "./helpers/auth-app";
import { TotpDevice } from "./helpers/totp-device";

const PASSWORD = "correct horse battery staple";

for (const backend of kvBackends) {
  describe.runIf(await backendRuns(backend))(`MFA on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    beforeEach(async () => {
      opened = await backend.open();
    });
    afterEach(() => opened.close());

    async function setup(options: MfaOptions = {}, extra: Parameters<typeof featureApp>[2] = {}) {
      const users = memoryUsers();
      const ada = await users.add("ada@example.com", PASSWORD);
      const t = featureApp(opened, [mfa({ issuer: "Covara Test", ...options })], { users, ...extra });
      const browser = t.browser();
      expect(
        (await browser.send("POST", "/api/auth/login", { body: { email: "ada@example.com", password: PASSWORD } }))
          .status,
      ).toBe(200);
      return { t, ada, browser };
    }

    /** Enrolls and confirms MFA for the signed-in browser; returns the device and backup codes. */
    async function enable(browser: Browser, window = 1): Promise<{ device: TotpDevice; backupCodes: string[] }> {
      const enrolled = await browser.send("POST", "/api/auth/mfa/enroll");
      expect(enrolled.status).toBe(200);
      const device = new TotpDevice(enrolled.body.secret, window);
      const confirmed = await browser.send("POST", "/api/auth/mfa/enroll/confirm", {
        body: { code: await device.next() },
      });
      expect(confirmed.status).toBe(200);
      return { device, backupCodes: confirmed.body.backupCodes };
    }

    async function login(t: FeatureApp) {
      const browser = t.browser();
      const res = await browser.send("POST", "/api/auth/login", {
        body: { email: "ada@example.com", password: PASSWORD },
      });
      return { browser, res };
    }

    it("MFA/TOTP: mfa adds /mfa/enroll, /mfa/enroll/confirm, and /mfa/verify; enrollment is two-step (created disabled, then confirmed)", async () => {
      const { t, browser } = await setup();
      const enrolled = await browser.send("POST", "/api/auth/mfa/enroll");
      expect(enrolled.status).toBe(200);
      expect(enrolled.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(enrolled.body.otpauthUrl).toMatch(
        /^otpauth:\/\/totp\/Covara%20Test:ada%40example\.com\?secret=[A-Z2-7]{32}&issuer=Covara%20Test/,
      );

      // Created disabled: status says pending, and a login is not challenged yet.
      expect((await browser.send("GET", "/api/auth/mfa/status")).body).toEqual({
        enabled: false,
        pendingEnrollment: true,
        backupCodesRemaining: 0,
      });
      expect((await login(t)).res.status).toBe(200);

      const device = new TotpDevice(enrolled.body.secret);
      const wrong = (await device.current()) === "000000" ? "111111" : "000000";
      expectProblem(
        await browser.send("POST", "/api/auth/mfa/enroll/confirm", { body: { code: wrong } }),
        401,
        "INVALID_CODE",
      );
      const confirmed = await browser.send("POST", "/api/auth/mfa/enroll/confirm", {
        body: { code: await device.next() },
      });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.enabled).toBe(true);
      expect(confirmed.body.backupCodes).toHaveLength(10);
      expect((await browser.send("GET", "/api/auth/mfa/status")).body).toEqual({
        enabled: true,
        pendingEnrollment: false,
        backupCodesRemaining: 10,
      });

      // Confirmed: now the login is challenged.
      expect((await login(t)).res.status).toBe(401);
      // Enrolling again while on is a conflict; confirming again too.
      expectProblem(await browser.send("POST", "/api/auth/mfa/enroll"), 409, "CONFLICT");
    });

    it("POST /mfa/enroll/verify is the same step as /mfa/enroll/confirm", async () => {
      const { browser } = await setup();
      const enrolled = await browser.send("POST", "/api/auth/mfa/enroll");
      const device = new TotpDevice(enrolled.body.secret);
      const res = await browser.send("POST", "/api/auth/mfa/enroll/verify", { body: { code: await device.next() } });
      expect(res.status).toBe(200);
      expect(res.body.enabled).toBe(true);
    });

    it("With requireOnLogin, /login returns { mfaRequired: true } (401) for enrolled users until a valid TOTP … code is supplied", async () => {
      const { t, browser } = await setup();
      const { device } = await enable(browser);
      const { browser: fresh, res } = await login(t);
      const problem = expectProblem(res, 401, "MFA_REQUIRED");
      expect(problem.mfaRequired).toBe(true);
      expect(typeof problem.mfaToken).toBe("string");
      // No session yet: the password alone signs nobody in.
      expect(fresh.cookies.size).toBe(0);
      expect((await fresh.send("GET", "/api/whoami")).body.user).toBeNull();

      expectProblem(
        await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: problem.mfaToken, code: "12345" } }),
        401,
        "INVALID_CODE",
      );
      const verified = await fresh.send("POST", "/api/auth/mfa/verify", {
        body: { mfaToken: problem.mfaToken, code: await device.next() },
      });
      expect(verified.status).toBe(200);
      expect(verified.body.user.email).toBe("ada@example.com");
      expect((await fresh.send("GET", "/api/whoami")).body.user.id).toBe("1");
    });

    it("… until a valid … single-use backup code is supplied; a used backup code triggers consumeBackupCode", async () => {
      const consumed: string[] = [];
      const { t, browser } = await setup({
        store: ((): MfaStore => {
          const inner = createKVMfaStore(opened.kv as KV, { prefix: "spy:mfa:" });
          return {
            ...inner,
            consumeBackupCode: async (userId, hash) => (consumed.push(userId), inner.consumeBackupCode(userId, hash)),
          };
        })(),
      });
      const { backupCodes } = await enable(browser);
      const code = backupCodes[0]!;

      const first = await login(t);
      const token = expectProblem(first.res, 401, "MFA_REQUIRED").mfaToken;
      const ok = await first.browser.send("POST", "/api/auth/mfa/verify", {
        body: { mfaToken: token, code: code.toUpperCase() },
      });
      expect(ok.status).toBe(200);
      expect(consumed).toEqual(["1"]);
      expect((await browser.send("GET", "/api/auth/mfa/status")).body.backupCodesRemaining).toBe(9);

      // Single use: the same backup code fails on the next login.
      const second = await login(t);
      const again = expectProblem(second.res, 401, "MFA_REQUIRED").mfaToken;
      expectProblem(
        await second.browser.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: again, code } }),
        401,
        "INVALID_CODE",
      );
      // Another unused code still works.
      expect(
        (await second.browser.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: again, code: backupCodes[1] } }))
          .status,
      ).toBe(200);
    });

    it("a TOTP code can't be replayed inside its window", async () => {
      const { t, browser } = await setup();
      const enrolled = await browser.send("POST", "/api/auth/mfa/enroll");
      const device = new TotpDevice(enrolled.body.secret);
      const code = await device.current();
      expect((await browser.send("POST", "/api/auth/mfa/enroll/confirm", { body: { code } })).status).toBe(200);
      const { browser: fresh, res } = await login(t);
      const token = expectProblem(res, 401, "MFA_REQUIRED").mfaToken;
      // The code that confirmed the enrollment is spent, and so is every earlier step.
      expectProblem(
        await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: token, code } }),
        401,
        "INVALID_CODE",
      );
    });

    it("the mfaToken is single use and short-lived", async () => {
      const { t, browser } = await setup({ totp: { window: 2 } });
      const { device } = await enable(browser, 2);
      const { browser: fresh, res } = await login(t);
      const token = expectProblem(res, 401, "MFA_REQUIRED").mfaToken;
      expect(res.body.expiresIn).toBe(300);
      expect(
        (await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: token, code: await device.next() } }))
          .status,
      ).toBe(200);
      expectProblem(
        await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: token, code: await device.next() } }),
        401,
        "INVALID_TOKEN",
      );
      expectProblem(
        await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: "forged-token", code: "123456" } }),
        401,
        "INVALID_TOKEN",
      );
    });

    it("POST /mfa/disable requires a current code", async () => {
      const { t, browser } = await setup({ totp: { window: 2 } });
      const { device } = await enable(browser, 2);
      expectProblem(
        await browser.send("POST", "/api/auth/mfa/disable", { body: { code: "000000" } }),
        401,
        "INVALID_CODE",
      );
      expectProblem(await browser.send("POST", "/api/auth/mfa/disable", { body: {} }), 400, "VALIDATION_ERROR");
      const off = await browser.send("POST", "/api/auth/mfa/disable", { body: { code: await device.next() } });
      expect(off.status).toBe(200);
      expect(off.body).toEqual({ enabled: false });
      expect((await login(t)).res.status).toBe(200);
      expectProblem(
        await browser.send("POST", "/api/auth/mfa/disable", { body: { code: await device.next() } }),
        409,
        "CONFLICT",
      );
    });

    it("new backup codes replace the old ones and need a current code", async () => {
      const { browser } = await setup({ totp: { window: 2 } });
      const { device, backupCodes } = await enable(browser, 2);
      const renewed = await browser.send("POST", "/api/auth/mfa/backup-codes", { body: { code: await device.next() } });
      expect(renewed.status).toBe(200);
      expect(renewed.body.backupCodes).toHaveLength(10);
      expect(renewed.body.backupCodes).not.toContain(backupCodes[0]);
      // An old code no longer counts as a factor.
      expectProblem(
        await browser.send("POST", "/api/auth/mfa/backup-codes", { body: { code: backupCodes[0] } }),
        401,
        "INVALID_CODE",
      );
    });

    it("without requireOnLogin a user with MFA on signs in with the password alone", async () => {
      const { t, browser } = await setup({ requireOnLogin: false });
      await enable(browser);
      expect((await login(t)).res.status).toBe(200);
    });

    it("code verification attempts are throttled per user (429 with Retry-After)", async () => {
      const { t, browser } = await setup({}, { security: { throttle: { mfa: { max: 3, windowSeconds: 900 } } } });
      await enable(browser);
      const { browser: fresh, res } = await login(t);
      const token = res.body.mfaToken;
      // The confirming code counted once; two wrong guesses fill the window, the next is refused.
      for (let i = 0; i < 2; i++)
        expectProblem(
          await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: token, code: "000001" } }),
          401,
          "INVALID_CODE",
        );
      const limited = await fresh.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: token, code: "000001" } });
      expectProblem(limited, 429, "RATE_LIMIT_EXCEEDED");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    it("rejects malformed bodies, missing fields, overlong inputs and anonymous callers with 4xx problems", async () => {
      const { t, browser } = await setup();
      const anonymous = t.browser();
      expectProblem(await anonymous.send("POST", "/api/auth/mfa/enroll"), 401, "UNAUTHORIZED");
      expectProblem(await anonymous.send("GET", "/api/auth/mfa/status"), 401, "UNAUTHORIZED");
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/disable", { body: { code: "123456" } }),
        401,
        "UNAUTHORIZED",
      );
      expectProblem(
        await browser.send("POST", "/api/auth/mfa/enroll/confirm", { body: { code: "123456" } }),
        404,
        "NOT_FOUND",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", {
          rawBody: "{not json",
          headers: { "content-type": "application/json" },
        }),
        400,
        "INVALID_JSON",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", {
          rawBody: "code=1",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
      expectProblem(await anonymous.send("POST", "/api/auth/mfa/verify", { body: [] }), 400, "VALIDATION_ERROR");
      const missing = expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", { body: { code: "123456" } }),
        400,
        "VALIDATION_ERROR",
      );
      expect(missing.errors[0].path).toBe("mfaToken");
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: "x".repeat(257), code: "123456" } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: "x", code: "1".repeat(65) } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: 5, code: 123456 } }),
        400,
        "VALIDATION_ERROR",
      );
      expectProblem(
        await anonymous.send("POST", "/api/auth/mfa/verify", { body: { mfaToken: "x", code: "y".repeat(100_000) } }),
        413,
        "PAYLOAD_TOO_LARGE",
      );
    });
  });
}

describe("mfa options", () => {
  it("refuses TOTP parameters no authenticator app supports", () => {
    expect(() => mfa({ totp: { digits: 4 } })).toThrow(/digits/);
    expect(() => mfa({ totp: { window: -1 } })).toThrow(/window/);
    expect(() => mfa({ totp: { algorithm: "MD5" as never } })).toThrow(/algorithm/);
  });
});
