/**
 * RFC 6238 time-based one-time passwords: SHA-1 (what every authenticator app uses) through
 * `@oslojs/otp`, SHA-256/512 through Web Crypto HMAC with RFC 4226 dynamic truncation (the library
 * implements SHA-1 only), plus the otpauth:// URI authenticator apps scan. Verification reports which time step matched
 * so the caller can refuse to accept the same step twice.
 */
import { generateHOTP } from "@oslojs/otp";
import { randomBytes } from "../shared/crypto";
import { base32Encode } from "./base32";

export type TotpAlgorithm = "SHA1" | "SHA256" | "SHA512";

export interface TotpParameters {
  /** HMAC hash (default SHA1: the one every authenticator app supports). */
  algorithm?: TotpAlgorithm;
  /** Code length, 6–8 (default 6). */
  digits?: number;
  /** Time step in seconds (default 30). */
  period?: number;
}

export interface TotpVerifyOptions extends TotpParameters {
  /** Steps accepted either side of the current one, for clock drift (default 1). */
  window?: number;
  /** The moment to verify at, in ms since the epoch (default now). */
  now?: number;
}

const WEB_CRYPTO_HASH: Record<TotpAlgorithm, string> = { SHA1: "SHA-1", SHA256: "SHA-256", SHA512: "SHA-512" };

/** A new random TOTP secret, base32-encoded (20 bytes, the RFC 4226 recommended length). */
export function generateTotpSecret(bytes = 20): string {
  return base32Encode(randomBytes(bytes));
}

/** The time step (counter) `at` falls in. */
export function totpStep(at: number, period = 30): number {
  return Math.floor(at / 1000 / period);
}

/** The HOTP value (RFC 4226) of `key` at counter `counter`. */
export async function hotp(
  key: Uint8Array<ArrayBuffer>,
  counter: number,
  algorithm: TotpAlgorithm = "SHA1",
  digits = 6,
): Promise<string> {
  if (algorithm === "SHA1") return generateHOTP(key, BigInt(counter), digits);
  const message = new Uint8Array(8);
  // The counter is a 64-bit big-endian integer; JS numbers are exact up to 2^53.
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: WEB_CRYPTO_HASH[algorithm] },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The TOTP code of `key` at time `at` (ms). */
export function totp(key: Uint8Array<ArrayBuffer>, at: number, params: TotpParameters = {}): Promise<string> {
  return hotp(key, totpStep(at, params.period), params.algorithm, params.digits);
}

/**
 * Checks `code` against the steps around `now`; returns the matching step, or null. Every step in
 * the window is computed, so the time taken does not reveal which one matched.
 */
export async function verifyTotp(
  key: Uint8Array<ArrayBuffer>,
  code: string,
  options: TotpVerifyOptions = {},
): Promise<number | null> {
  const digits = options.digits ?? 6;
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const window = options.window ?? 1;
  const current = totpStep(options.now ?? Date.now(), options.period);
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    const expected = await hotp(key, step, options.algorithm, digits);
    let diff = 0;
    for (let i = 0; i < digits; i++) diff |= expected.charCodeAt(i) ^ code.charCodeAt(i);
    if (diff === 0 && matched === null) matched = step;
  }
  return matched;
}

/** The otpauth:// URI (Key URI Format) an authenticator app scans as a QR code. */
export function otpauthUri(input: { secret: string; issuer: string; account: string } & TotpParameters): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  // encodeURIComponent rather than URLSearchParams: apps read "+" literally, not as a space.
  const query = [
    ["secret", input.secret],
    ["issuer", input.issuer],
    ["algorithm", input.algorithm ?? "SHA1"],
    ["digits", String(input.digits ?? 6)],
    ["period", String(input.period ?? 30)],
  ]
    .map(([key, value]) => `${key}=${encodeURIComponent(value!)}`)
    .join("&");
  return `otpauth://totp/${label}?${query}`;
}
