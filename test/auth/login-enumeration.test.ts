/**
 * Login never reveals whether an email exists: same status and body, and the same hashing work —
 * an unknown email is verified against a decoy hash rather than answered early. The password
 * module is wrapped (not replaced) to observe each verification and how much scrypt work it did.
 */
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import type { CovaraEnv } from "../../src";
import { useAuth } from "../../src/auth";
import { FAST_HASH, memoryUsers, TestClient } from "./core/harness";

const verifications = vi.hoisted(() => [] as { stored: string | null | undefined; result: boolean }[]);

vi.mock("../../src/auth/passwords", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/auth/passwords")>();
  return {
    ...actual,
    verifyPasswordOrDecoy: async (...args: Parameters<typeof actual.verifyPasswordOrDecoy>) => {
      const result = await actual.verifyPasswordOrDecoy(...args);
      verifications.push({ stored: args[1], result });
      return result;
    },
  };
});

describe("login anti-enumeration", () => {
  it("an unknown email, a passwordless account and a wrong password all run one full hash verification and answer alike", async () => {
    const users = memoryUsers();
    await users.add("ada@example.com", "correct horse battery");
    await users.createUser!({ email: "social@example.com" });
    const auth = useAuth({ users, passwordHashing: FAST_HASH });
    const client = new TestClient(new Hono<CovaraEnv>().route("/auth", auth.router));
    const answers = [];
    for (const email of ["nobody@example.com", "social@example.com", "ada@example.com"]) {
      verifications.length = 0;
      const res = await client.send("POST", "/auth/login", { body: { email, password: "wrong password" } });
      answers.push(res.text);
      expect(res.status).toBe(401);
      expect(verifications).toHaveLength(1);
      expect(verifications[0]!.result).toBe(false);
    }
    expect(new Set(answers).size).toBe(1);
    // The first two had no hash to compare with: the decoy path with the configured parameters ran.
    verifications.length = 0;
    await client.send("POST", "/auth/login", { body: { email: "nobody@example.com", password: "x" } });
    expect(verifications[0]!.stored).toBeNull();
  });
});
