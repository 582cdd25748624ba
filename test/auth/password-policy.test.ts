/**
 * passwordPolicy: length bounds, the built-in denylist (on by default, with leetspeak and
 * affix variants), optional composition rules, personal details, and the 422 `password-policy`
 * problem that lists every failed rule.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { builtInDenylist } from "../../src/auth/password-denylist";
import { passwordPolicy, passwordPolicyProblem } from "../../src/auth/password-policy";
import { errorHandler } from "../../src/kernel/error-handler";
import { ProblemError } from "../../src/kernel/errors";

const rules = (result: { failures: { rule: string }[] }) => result.failures.map((f) => f.rule);

describe("password policy", () => {
  it("Password policy: … weak passwords are rejected with 422 …; a built-in denylist of common passwords is enabled by default", async () => {
    const policy = passwordPolicy();
    const app = new Hono();
    app.onError(errorHandler);
    // The shape every route using the policy has: parse, assert, then carry on.
    app.post("/signup", async (c) => {
      const body = (await c.req.json()) as { email?: string; password?: unknown };
      policy.assert(body.password, { email: body.email });
      return c.json({ ok: true }, 201);
    });
    const weak = await app.request("/signup", {
      method: "POST",
      body: JSON.stringify({ email: "a@example.com", password: "password123" }),
    });
    expect(weak.status).toBe(422);
    expect(weak.headers.get("content-type")).toContain("application/problem+json");
    const body = (await weak.json()) as {
      code: string;
      type: string;
      rules: string[];
      errors: { path: string; code: string; message: string }[];
    };
    expect(body.code).toBe("PASSWORD_POLICY");
    expect(body.type).toMatch(/password-policy$/);
    expect(body.rules).toEqual(["denylist"]);
    expect(body.errors).toEqual([{ path: "password", code: "denylist", message: "Password is too common" }]);
    const strong = await app.request("/signup", {
      method: "POST",
      body: JSON.stringify({ email: "a@example.com", password: "velvet-otter-mural-92" }),
    });
    expect(strong.status).toBe(201);
  });

  it("ships a denylist of a few thousand common passwords", () => {
    const list = builtInDenylist();
    expect(list.size).toBeGreaterThan(2000);
    expect(list.size).toBeLessThan(50_000);
    for (const common of [
      "123456",
      "password",
      "qwerty123",
      "iloveyou",
      "letmein",
      "1q2w3e4r",
      "dragon2024",
      "admin123",
    ]) {
      expect(list.has(common)).toBe(true);
    }
    for (const entry of list) expect(entry).toBe(entry.toLowerCase());
  });

  it("rejects common passwords as typed, in other case, in leetspeak and with digits or symbols around them", () => {
    const policy = passwordPolicy();
    for (const password of [
      "password",
      "PASSWORD",
      "Password1",
      "P@ssw0rd",
      "p4ssw0rd!",
      "Password123!",
      "!!Dragon2024",
      "Welcome2026",
      "qwertyuiop",
      "Sunshine#1",
      "12345678",
      "iloveyou99",
      "l3tm31n!!",
    ]) {
      expect(rules(policy.validate(password)), password).toContain("denylist");
    }
  });

  it("accepts long, uncommon passphrases and passwords that merely contain a common word", () => {
    const policy = passwordPolicy();
    for (const password of [
      "correct horse battery staple",
      "velvet-otter-mural-92",
      "monkeybusiness-at-noon",
      "Tr0ub4dor&3x",
      "日本語のパスワード",
    ]) {
      expect(policy.validate(password), password).toEqual({ ok: true, failures: [] });
    }
  });

  it("enforces length bounds in characters, not bytes", () => {
    const policy = passwordPolicy({ minLength: 10, maxLength: 20 });
    expect(rules(policy.validate("short-one"))).toEqual(["min-length"]);
    expect(rules(policy.validate("x".repeat(21) + "yz"))).toEqual(["max-length"]);
    expect(policy.validate("ü".repeat(10) + "ab").ok).toBe(true); // 12 characters, 24 bytes
    expect(rules(policy.validate("𝄞a𝄞b𝄞"))).toEqual(["min-length"]); // 5 characters, 14 UTF-16 units
  });

  it("fails an enormous input on length alone without walking it", () => {
    const policy = passwordPolicy();
    expect(rules(policy.validate("a".repeat(5_000_000)))).toEqual(["max-length"]);
  });

  it("rejects repeated characters and straight runs", () => {
    const policy = passwordPolicy({ denylist: false });
    for (const password of ["aaaaaaaaaa", "abcdefghij", "9876543210", "ZYXWVUTSRQ"]) {
      expect(rules(policy.validate(password)), password).toEqual(["sequence"]);
    }
    expect(passwordPolicy({ denylist: false, rejectSequences: false }).validate("aaaaaaaaaa").ok).toBe(true);
  });

  it("applies opt-in composition rules and reports each one missing", () => {
    const policy = passwordPolicy({
      requireLowercase: true,
      requireUppercase: true,
      requireDigit: true,
      requireSymbol: true,
    });
    expect(rules(policy.validate("ALLUPPERCASE-ONLY"))).toEqual(["lowercase", "digit"]);
    expect(rules(policy.validate("nouppercase7!x"))).toEqual(["uppercase"]);
    expect(policy.validate("Mixed-Case-7-ok").ok).toBe(true);
    const classes = passwordPolicy({ minCharacterClasses: 3 });
    expect(rules(classes.validate("onlylowercaseletters"))).toEqual(["character-classes"]);
    expect(classes.validate("lower-and-7-digits").ok).toBe(true);
  });

  it("rejects passwords that contain the user's email, name or other given words", () => {
    const policy = passwordPolicy();
    expect(rules(policy.validate("margaret-was-here", { email: "margaret@example.com" }))).toEqual(["user-input"]);
    expect(rules(policy.validate("xx-Hamilton-xx-1", { name: "Margaret Hamilton" }))).toEqual(["user-input"]);
    expect(rules(policy.validate("covara-acme-portal", { userInputs: ["acme-portal"] }))).toEqual(["user-input"]);
    expect(policy.validate("velvet-otter-mural", { email: "margaret@example.com", name: "Margaret Hamilton" }).ok).toBe(
      true,
    );
    expect(
      passwordPolicy({ rejectUserInputs: false }).validate("margaret-was-here", { email: "margaret@example.com" }).ok,
    ).toBe(true);
  });

  it("extends the denylist with the app's own words, or turns it off", () => {
    const extended = passwordPolicy({ denylist: ["AcmeCorp2026", "hunter-two"] });
    expect(rules(extended.validate("acmecorp2026"))).toEqual(["denylist"]);
    expect(rules(extended.validate("password1"))).toEqual(["denylist"]);
    expect(passwordPolicy({ denylist: false }).validate("password1").ok).toBe(true);
  });

  it("runs the app's own rule", () => {
    const policy = passwordPolicy({
      check: (password) => (password.includes(" ") ? "Password must not contain spaces" : undefined),
    });
    expect(policy.validate("no spaces here please").failures).toEqual([
      { rule: "custom", message: "Password must not contain spaces" },
    ]);
  });

  it("lists every failed rule at once", () => {
    const policy = passwordPolicy({ minLength: 12, requireDigit: true });
    expect(rules(policy.validate("password"))).toEqual(["min-length", "denylist", "digit"]);
  });

  it("rejects a missing or non-string password with a problem instead of throwing a TypeError", () => {
    const policy = passwordPolicy();
    for (const value of [undefined, null, 12345678, ["password"], { password: "x" }]) {
      expect(rules(policy.validate(value))).toEqual(["type"]);
      const error = (() => {
        try {
          policy.assert(value);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).status).toBe(422);
    }
  });

  it("builds the problem from failures for callers that validate themselves", () => {
    const problem = passwordPolicyProblem(
      [{ rule: "min-length", message: "Password must be at least 8 characters" }],
      "newPassword",
    );
    expect(problem.toJSON()).toMatchObject({
      status: 422,
      code: "PASSWORD_POLICY",
      detail: "Password must be at least 8 characters",
      errors: [{ path: "newPassword", code: "min-length" }],
    });
  });

  it("refuses nonsensical bounds at construction", () => {
    expect(() => passwordPolicy({ minLength: 0 })).toThrow(RangeError);
    expect(() => passwordPolicy({ minLength: 10, maxLength: 5 })).toThrow(RangeError);
  });
});
