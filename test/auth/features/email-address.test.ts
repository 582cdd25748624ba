/**
 * Every auth path that takes an email applies the one address rule: the same table of good and
 * bad addresses through /signup, /login, magic links, password reset, passkey options and email
 * verification. A bad address is a 400 VALIDATION_ERROR everywhere and never reaches the store.
 */
import { describe, expect, it } from "vitest";
import { emailVerification, isEmailAddress, magicLinks, passkeys, passwordReset } from "../../../src/auth";
import { createMemoryKV } from "../../../src/kv";
import { BAD_ADDRESSES, GOOD_ADDRESSES } from "../../helpers/email-addresses";
import { expectProblem, featureApp, memoryUsers } from "./helpers/auth-app";

const PASSWORD = "correct horse battery staple";

function app() {
  const kv = createMemoryKV({ sweepIntervalMs: 0 });
  return featureApp(
    { kv },
    [
      magicLinks({ signUp: false }),
      passwordReset(),
      passkeys({ rpID: "localhost", rpName: "Covara Test", origin: "http://localhost" }),
      emailVerification({ sendOnSignup: false }),
    ],
    {
      users: memoryUsers(),
    },
  );
}

const PATHS: ReadonlyArray<readonly [string, (email: string) => Record<string, string>, number]> = [
  ["/signup", (email) => ({ email, password: PASSWORD }), 201],
  ["/login", (email) => ({ email, password: PASSWORD }), 401],
  ["/magic-link/request", (email) => ({ email }), 200],
  ["/password-reset/request", (email) => ({ email }), 200],
  ["/passkeys/authenticate/options", (email) => ({ email }), 200],
];

describe("one email address rule", () => {
  it("isEmailAddress agrees with the table", () => {
    for (const address of GOOD_ADDRESSES) expect(isEmailAddress(address), address).toBe(true);
    for (const [what, address] of BAD_ADDRESSES) expect(isEmailAddress(address), what).toBe(false);
  });

  for (const [path, body, goodStatus] of PATHS) {
    it(`${path} accepts every good address and refuses every bad one with 400 VALIDATION_ERROR`, async () => {
      const t = app();
      const browser = t.browser();
      for (const [index, address] of GOOD_ADDRESSES.entries()) {
        // Each from its own peer, so the per-IP sign-in throttle does not turn wrong passwords into 429s.
        const response = await browser.send("POST", `/api/auth${path}`, {
          body: body(address),
          headers: { "x-test-peer": `10.0.0.${index + 1}` },
        });
        expect(response.status, `${path} ${address}: ${response.text}`).toBe(goodStatus);
      }
      for (const [what, address] of BAD_ADDRESSES) {
        const problem = expectProblem(
          await browser.send("POST", `/api/auth${path}`, { body: body(address) }),
          400,
          "VALIDATION_ERROR",
        );
        expect(JSON.stringify(problem.errors), what).toContain("email");
      }
      await browser.settle();
      // No account was made, and no mail was sent, for any bad address.
      expect(t.users.calls.filter((call) => call.startsWith("createUser:")).length).toBe(
        path === "/signup" ? GOOD_ADDRESSES.length : 0,
      );
      for (const email of t.outbox) expect(isEmailAddress(email.to)).toBe(true);
    });
  }

  it("a bad address that got into the store is not sent a verification link", async () => {
    const t = app();
    const browser = t.browser();
    expect(
      (await browser.send("POST", "/api/auth/signup", { body: { email: "ada@example.com", password: PASSWORD } }))
        .status,
    ).toBe(201);
    // An account whose address predates the rule (or was written by another tool).
    for (const [what, address] of BAD_ADDRESSES) {
      t.users.rows.get("1")!.email = address;
      const problem = expectProblem(
        await browser.send("POST", "/api/auth/verify-email/request"),
        400,
        "VALIDATION_ERROR",
      );
      expect(problem.detail, what).toMatch(/not a valid email address/);
    }
    t.users.rows.get("1")!.email = "ada@example.com";
    expect((await browser.send("POST", "/api/auth/verify-email/request")).status).toBe(200);
    await browser.settle();
    expect(t.outbox.map((email) => email.to)).toEqual(["ada@example.com"]);
  });
});
