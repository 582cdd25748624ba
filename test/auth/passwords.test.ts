/**
 * Password storage: the self-describing scrypt format with a per-hash salt, constant-time
 * verification that never throws, rehash signalling, and the decoy check that keeps unknown
 * accounts as slow as known ones. Most tests pass low scrypt parameters to stay fast; the tests
 * about the defaults use the defaults.
 */
import * as nodeCrypto from "node:crypto";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

// Observe (not replace) the real scrypt and timingSafeEqual, to see which calls verification makes.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, scrypt: vi.fn(actual.scrypt), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, readHashParams, verifyPassword, verifyPasswordOrDecoy } =
  await import("../../src/auth/passwords");

const FAST = { N: 1024, r: 8, p: 1 };
const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

describe("password hashing", () => {
  it("Scrypt hashing: hashPassword derives a self-describing scrypt$N=..,r=..,p=..$salt$hash string with a per-hash random salt", async () => {
    const first = await hashPassword("correct horse battery staple", FAST);
    const second = await hashPassword("correct horse battery staple", FAST);
    const [, N, r, p, salt1, hash1] = FORMAT.exec(first)!;
    const [, , , , salt2, hash2] = FORMAT.exec(second)!;
    expect([N, r, p]).toEqual(["1024", "8", "1"]);
    expect(Buffer.from(salt1!, "base64")).toHaveLength(16);
    expect(Buffer.from(hash1!, "base64")).toHaveLength(32);
    expect(salt1).not.toBe(salt2);
    expect(hash1).not.toBe(hash2);
    expect(await verifyPassword("correct horse battery staple", first)).toBe(true);
    expect(await verifyPassword("correct horse battery staple", second)).toBe(true);
  });

  it("defaults to OWASP's scrypt minimum N=2^17, r=8, p=1", async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    const stored = await hashPassword("default parameters");
    expect(stored.startsWith("scrypt$N=131072,r=8,p=1$")).toBe(true);
    expect(readHashParams(stored)).toEqual({ N: 131072, r: 8, p: 1 });
    expect(await verifyPassword("default parameters", stored)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
  });

  it("matches Node's scrypt for the stored salt and parameters (the format is interoperable)", async () => {
    const stored = await hashPassword("interop", { N: 2048, r: 4, p: 2 });
    const [, , , , salt, hash] = FORMAT.exec(stored)!;
    const expected = nodeCrypto.scryptSync("interop", Buffer.from(salt!, "base64"), 32, { N: 2048, r: 4, p: 2 });
    expect(Buffer.from(hash!, "base64").equals(expected)).toBe(true);
  });

  it("accepts custom salt and key lengths and rejects parameters scrypt cannot or should not run", async () => {
    const stored = await hashPassword("lengths", { ...FAST, saltLength: 32, keyLength: 64 });
    const [, , , , salt, hash] = FORMAT.exec(stored)!;
    expect(Buffer.from(salt!, "base64")).toHaveLength(32);
    expect(Buffer.from(hash!, "base64")).toHaveLength(64);
    expect(await verifyPassword("lengths", stored)).toBe(true);
    await expect(hashPassword("x", { N: 1000 })).rejects.toThrow(RangeError); // not a power of two
    await expect(hashPassword("x", { N: 2 ** 21 })).rejects.toThrow(RangeError);
    await expect(hashPassword("x", { ...FAST, r: 0 })).rejects.toThrow(RangeError);
    await expect(hashPassword("x", { ...FAST, p: 17 })).rejects.toThrow(RangeError);
    await expect(hashPassword("x", { ...FAST, saltLength: 4 })).rejects.toThrow(RangeError);
    await expect(hashPassword(42 as unknown as string, FAST)).rejects.toThrow(TypeError);
  });

  it("hashes the empty string, long and non-ASCII passwords, normalising Unicode (NFKC)", async () => {
    for (const password of ["", "x".repeat(4096), "pässwörd ✓ 𝄞 日本語"]) {
      expect(await verifyPassword(password, await hashPassword(password, FAST))).toBe(true);
    }
    // "é" typed as one code point or as e + combining accent is the same password.
    const composed = await hashPassword("caf\u00e9-secret", FAST);
    expect(await verifyPassword("cafe\u0301-secret", composed)).toBe(true);
  });
});

describe("password verification", () => {
  it("Constant-time verification: verifyPassword compares using timingSafeEqual and returns false for any unparseable input", async () => {
    const stored = await hashPassword("s3cret-value", FAST);
    const timingSafeEqual = vi.mocked(nodeCrypto.timingSafeEqual);
    timingSafeEqual.mockClear();
    expect(await verifyPassword("s3cret-value", stored)).toBe(true);
    expect(await verifyPassword("s3cret-valuE", stored)).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);

    const unparseable: unknown[] = [
      "",
      "scrypt",
      "scrypt$",
      "scrypt$N=1024,r=8,p=1$$",
      stored.replace("scrypt$", "bcrypt$"),
      stored.replace("N=1024", "N=1000"), // not a power of two
      stored.replace("N=1024", "N=1073741824"), // absurd memory
      stored.replace("r=8", "r=0"),
      stored.replace("p=1", "p=99"),
      stored.replace(/\$[^$]+\$([^$]+)$/, "$!!notbase64!!$$$1"),
      stored.replace(/\$([^$]+)$/, "$AAAA"), // hash too short
      `${stored}$extra`,
      ` ${stored}`,
      stored.toUpperCase(),
      "$2b$12$abcdefghijklmnopqrstuuJ3bS2a6w1uE0ZJZ3p2c1tJtqkq9Ue", // bcrypt
      "x".repeat(100_000),
      null,
      undefined,
      42,
      { stored },
    ];
    timingSafeEqual.mockClear();
    for (const value of unparseable) {
      await expect(verifyPassword("s3cret-value", value as string)).resolves.toBe(false);
    }
    expect(timingSafeEqual).not.toHaveBeenCalled();
    await expect(verifyPassword(undefined as unknown as string, stored)).resolves.toBe(false);
    await expect(verifyPassword({} as unknown as string, stored)).resolves.toBe(false);
  });

  it("never throws and never accepts for arbitrary stored strings (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 40 }), async (stored, password) => {
        await expect(verifyPassword(password, stored)).resolves.toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("never accepts a password other than the one hashed (property)", async () => {
    const stored = await hashPassword("the-one", FAST);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 30 }).filter((s) => s.normalize("NFKC") !== "the-one"),
        async (password) => {
          expect(await verifyPassword(password, stored)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("does the hashing work even when there is no stored hash (unknown user), and still answers false", async () => {
    const scrypt = vi.mocked(nodeCrypto.scrypt);
    scrypt.mockClear();
    expect(await verifyPasswordOrDecoy("guess", null, FAST)).toBe(false);
    expect(await verifyPasswordOrDecoy("guess", undefined, FAST)).toBe(false);
    expect(await verifyPasswordOrDecoy("guess", "not-a-hash", FAST)).toBe(false);
    expect(scrypt).toHaveBeenCalledTimes(3);
    // The decoy costs what a real check costs: the same parameters reach scrypt.
    expect(scrypt.mock.calls[0]![3]).toMatchObject(FAST);
    const stored = await hashPassword("real", FAST);
    expect(await verifyPasswordOrDecoy("real", stored)).toBe(true);
    expect(await verifyPasswordOrDecoy("fake", stored)).toBe(false);
  });
});

describe("rehash signalling", () => {
  it("Rehash signalling: needsRehash returns true when stored parameters are weaker than the target (or the hash is unparseable)", async () => {
    const weak = await hashPassword("pw", { N: 1024, r: 8, p: 1 });
    expect(needsRehash(weak)).toBe(true); // below the default N=2^17
    expect(needsRehash(weak, { N: 1024, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(weak, { N: 2048, r: 8, p: 1 })).toBe(true);
    expect(needsRehash(weak, { N: 1024, r: 16, p: 1 })).toBe(true);
    expect(needsRehash(weak, { N: 1024, r: 8, p: 2 })).toBe(true);
    // Stronger than the target is fine.
    const strong = await hashPassword("pw", { N: 2048, r: 8, p: 2 });
    expect(needsRehash(strong, { N: 1024, r: 8, p: 1 })).toBe(false);
    // A shorter salt or key than the target also asks for a rehash.
    const shortKey = await hashPassword("pw", { ...FAST, keyLength: 16 });
    expect(needsRehash(shortKey, FAST)).toBe(true);
    // Unparseable input always needs a rehash.
    for (const value of ["", "plaintext-password", "scrypt$N=1024", "$2b$10$abc", null, 7]) {
      expect(needsRehash(value as string)).toBe(true);
    }
  });
});
