/**
 * The TOTP core against RFC 6238's published test vectors (Appendix B), base32 against RFC 4648's,
 * and the window / replay-relevant behaviour of verifyTotp.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "../../../src/auth/features/mfa/base32";
import { generateBackupCodes, hashBackupCode, normalizeBackupCode } from "../../../src/auth/features/mfa/backup-codes";
import {
  generateTotpSecret,
  otpauthUri,
  totp,
  verifyTotp,
  type TotpAlgorithm,
} from "../../../src/auth/features/mfa/totp";

const ascii = (text: string) => new TextEncoder().encode(text);
const SEEDS: Record<TotpAlgorithm, Uint8Array<ArrayBuffer>> = {
  SHA1: ascii("12345678901234567890"),
  SHA256: ascii("12345678901234567890123456789012"),
  SHA512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
};

// RFC 6238 Appendix B: time (s), then the 8-digit TOTP for SHA1, SHA256, SHA512.
const VECTORS: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("TOTP (RFC 6238)", () => {
  for (const [seconds, sha1, sha256, sha512] of VECTORS) {
    it(`matches the RFC 6238 test vectors at T=${seconds}`, async () => {
      const at = seconds * 1000;
      expect(await totp(SEEDS.SHA1, at, { algorithm: "SHA1", digits: 8 })).toBe(sha1);
      expect(await totp(SEEDS.SHA256, at, { algorithm: "SHA256", digits: 8 })).toBe(sha256);
      expect(await totp(SEEDS.SHA512, at, { algorithm: "SHA512", digits: 8 })).toBe(sha512);
    });
  }

  it("six-digit codes are the last six digits of the eight-digit ones", async () => {
    expect(await totp(SEEDS.SHA1, 59_000)).toBe("287082");
  });

  it("verifyTotp accepts the neighbouring steps of the window and reports the matched step", async () => {
    const now = 1111111111_000;
    const previous = await totp(SEEDS.SHA1, now - 30_000);
    const next = await totp(SEEDS.SHA1, now + 30_000);
    const current = await totp(SEEDS.SHA1, now);
    const step = Math.floor(now / 30_000);
    expect(await verifyTotp(SEEDS.SHA1, current, { now })).toBe(step);
    expect(await verifyTotp(SEEDS.SHA1, previous, { now })).toBe(step - 1);
    expect(await verifyTotp(SEEDS.SHA1, next, { now })).toBe(step + 1);
    expect(await verifyTotp(SEEDS.SHA1, await totp(SEEDS.SHA1, now - 90_000), { now })).toBeNull();
    expect(await verifyTotp(SEEDS.SHA1, previous, { now, window: 0 })).toBeNull();
  });

  it("verifyTotp rejects malformed codes without throwing", async () => {
    for (const code of ["", "12345", "1234567", "abcdef", "12 456", "１２３４５６"]) {
      expect(await verifyTotp(SEEDS.SHA1, code, { now: 0 })).toBeNull();
    }
  });
});

describe("base32 (RFC 4648)", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [plain, encoded] of vectors) {
    it(`encodes "${plain}" as "${encoded}" and back`, () => {
      expect(base32Encode(ascii(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base32Decode(encoded)!)).toBe(plain);
      expect(new TextDecoder().decode(base32Decode(`${encoded.toLowerCase()}===`)!)).toBe(plain);
    });
  }

  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(Array.from(base32Decode(base32Encode(bytes))!)).toEqual(Array.from(bytes));
      }),
    );
  });

  it("rejects characters outside the alphabet", () => {
    expect(base32Decode("MZXW1")).toBeNull();
    expect(base32Decode("MZ!W")).toBeNull();
  });
});

describe("secrets, URIs and backup codes", () => {
  it("generates 160-bit base32 secrets that differ every time", () => {
    const a = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)!.length).toBe(20);
    expect(generateTotpSecret()).not.toBe(a);
  });

  it("builds an otpauth:// URI with issuer, account and parameters", () => {
    const uri = otpauthUri({ secret: "JBSWY3DPEHPK3PXP", issuer: "Acme Co", account: "ada@example.com" });
    expect(uri).toBe(
      "otpauth://totp/Acme%20Co:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Co&algorithm=SHA1&digits=6&period=30",
    );
  });

  it("generates distinct, well-formed backup codes whose hashes ignore formatting", async () => {
    const codes = generateBackupCodes(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const code = codes[0]!;
    expect(await hashBackupCode(code.toUpperCase().replace(/-/g, " "))).toBe(await hashBackupCode(code));
    expect(normalizeBackupCode("not a code")).toBeNull();
  });
});
