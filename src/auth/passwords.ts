/**
 * Password hashing with scrypt: a self-describing `scrypt$N=..,r=..,p=..$salt$hash` string with a
 * per-hash random salt, constant-time verification, and a rehash signal for stored hashes weaker
 * than the current parameters.
 *
 * Uses `node:crypto` on purpose: Web Crypto has no scrypt, and Node's native scrypt runs off the
 * main thread. Cloudflare Workers provides `scrypt` and `timingSafeEqual` under the
 * `nodejs_compat` flag, so this module runs there too.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt cost parameters: CPU/memory cost `N` (a power of two), block size `r`, parallelism `p`. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Options for hashPassword / needsRehash: cost parameters plus salt and key lengths in bytes. */
export interface PasswordHashOptions extends Partial<ScryptParams> {
  /** Salt length in bytes (default 16). */
  saltLength?: number;
  /** Derived key length in bytes (default 32). */
  keyLength?: number;
}

/** OWASP's scrypt minimum: N=2^17, r=8, p=1 (128 MiB of memory per hash). */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const DEFAULT_SALT_LENGTH = 16;
const DEFAULT_KEY_LENGTH = 32;

// Bounds on what a stored hash may ask for: a tampered or corrupt row must not make verification
// allocate gigabytes or spin for minutes, so anything outside them is treated as unparseable.
const LIMITS = {
  N: { min: 2, max: 2 ** 20 },
  r: { min: 1, max: 32 },
  p: { min: 1, max: 16 },
  salt: { min: 8, max: 64 },
  key: { min: 16, max: 128 },
  // N*r*p*128 bytes of memory at most (1 GiB).
  memory: 2 ** 30,
} as const;

/** A parsed `scrypt$...` string. */
interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

const HASH_FORMAT = /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Hashes a password with scrypt into a self-describing string with a fresh random salt. */
export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  if (typeof password !== "string") throw new TypeError("hashPassword: the password must be a string");
  const params = resolveParams(options);
  assertParams(params, "hashPassword");
  const saltLength = options.saltLength ?? DEFAULT_SALT_LENGTH;
  const keyLength = options.keyLength ?? DEFAULT_KEY_LENGTH;
  if (!inRange(saltLength, LIMITS.salt) || !inRange(keyLength, LIMITS.key)) {
    throw new RangeError(
      `hashPassword: saltLength must be ${LIMITS.salt.min}-${LIMITS.salt.max} and keyLength ${LIMITS.key.min}-${LIMITS.key.max} bytes`,
    );
  }
  const salt = randomBytes(saltLength);
  const hash = await deriveKey(password, salt, keyLength, params);
  return formatHash(params, salt, hash);
}

/**
 * Checks a password against a stored hash in constant time. Returns false — never throws — for a
 * wrong password, a non-string input, or a stored value that is not a well-formed scrypt hash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== "string") return false;
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  let derived: Buffer;
  try {
    derived = await deriveKey(password, parsed.salt, parsed.hash.length, parsed);
  } catch {
    return false;
  }
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
}

/**
 * Verifies against `stored`, or — when there is no stored hash (unknown user, passwordless
 * account) — spends the same hashing work and returns false, so response time does not reveal
 * whether an account exists.
 */
export async function verifyPasswordOrDecoy(
  password: string,
  stored: string | null | undefined,
  options: PasswordHashOptions = {},
): Promise<boolean> {
  if (typeof stored === "string" && parseHash(stored) !== null) return verifyPassword(password, stored);
  const params = resolveParams(options);
  const salt = randomBytes(options.saltLength ?? DEFAULT_SALT_LENGTH);
  await deriveKey(
    typeof password === "string" ? password : "",
    salt,
    options.keyLength ?? DEFAULT_KEY_LENGTH,
    params,
  ).catch(() => undefined);
  return false;
}

/**
 * True when the stored hash should be recomputed at login: its parameters are weaker than the
 * target (default: the OWASP minimum) or it cannot be parsed at all.
 */
export function needsRehash(stored: string, options: PasswordHashOptions = {}): boolean {
  const parsed = parseHash(stored);
  if (parsed === null) return true;
  const target = resolveParams(options);
  if (parsed.N < target.N || parsed.r < target.r || parsed.p < target.p) return true;
  if (parsed.salt.length < (options.saltLength ?? DEFAULT_SALT_LENGTH)) return true;
  return parsed.hash.length < (options.keyLength ?? DEFAULT_KEY_LENGTH);
}

/** The scrypt parameters of a stored hash, or null when it is not a well-formed scrypt hash. */
export function readHashParams(stored: string): ScryptParams | null {
  const parsed = parseHash(stored);
  return parsed === null ? null : { N: parsed.N, r: parsed.r, p: parsed.p };
}

function resolveParams(options: Partial<ScryptParams>): ScryptParams {
  return {
    N: options.N ?? DEFAULT_SCRYPT_PARAMS.N,
    r: options.r ?? DEFAULT_SCRYPT_PARAMS.r,
    p: options.p ?? DEFAULT_SCRYPT_PARAMS.p,
  };
}

function inRange(value: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

function paramsWithinLimits(params: ScryptParams): boolean {
  return (
    inRange(params.N, LIMITS.N) &&
    (params.N & (params.N - 1)) === 0 &&
    inRange(params.r, LIMITS.r) &&
    inRange(params.p, LIMITS.p) &&
    128 * params.N * params.r * params.p <= LIMITS.memory
  );
}

function assertParams(params: ScryptParams, where: string): void {
  if (!paramsWithinLimits(params)) {
    throw new RangeError(
      `${where}: scrypt parameters N=${params.N}, r=${params.r}, p=${params.p} are invalid ` +
        `(N a power of two up to 2^20, r 1-32, p 1-16, at most 1 GiB of memory)`,
    );
  }
}

function parseHash(stored: unknown): ParsedHash | null {
  if (typeof stored !== "string" || stored.length > 512) return null;
  const match = HASH_FORMAT.exec(stored);
  if (match === null) return null;
  const params = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (!paramsWithinLimits(params)) return null;
  const salt = decodeBase64(match[4]!);
  const hash = decodeBase64(match[5]!);
  if (salt === null || hash === null) return null;
  if (salt.length < LIMITS.salt.min || salt.length > LIMITS.salt.max) return null;
  if (hash.length < LIMITS.key.min || hash.length > LIMITS.key.max) return null;
  return { ...params, salt, hash };
}

/** Strict base64: the decoding must re-encode to the same text (Buffer.from ignores junk). */
function decodeBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : null;
}

function formatHash(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * Runs scrypt asynchronously (libuv thread pool). The password is NFKC-normalised so the same
 * characters typed on different keyboards or platforms hash alike.
 */
function deriveKey(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  // Node refuses more than 32 MiB by default; N=2^17, r=8 needs 128 MiB plus a little headroom.
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 128 * params.N * params.r * params.p + 2 ** 20,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
