/**
 * The crypto every provider's webhook scheme shares: HMAC-SHA256 over Web Crypto (Node and
 * Workers), hex and base64 digests, a constant-time match against the candidates a header lists,
 * and the problems a failed check answers with.
 */
import { decodeBase64, encodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { ProblemError } from "../kernel/errors";
import { constantTimeEqual } from "../kernel/web-crypto";
import "./problems";
import type { WebhookInput } from "./types";

const encoder = new TextEncoder();

/** The part of node:crypto used here, when the runtime has it. */
interface NodeHmac {
  createHmac(algorithm: "sha256", key: Uint8Array | string): { update(data: string): { digest(): Uint8Array } };
}

/**
 * node:crypto's HMAC on Node, reached without a static import so the module still loads on
 * Workers (where this is undefined and Web Crypto does the work). It is synchronous: on Node it
 * costs a seventh of Web Crypto's `sign`, whose every call is a hop through the thread pool, and
 * signature checks dominate webhook throughput.
 */
const nodeCrypto: NodeHmac | undefined = (() => {
  const processLike = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const loaded = processLike?.getBuiltinModule?.("node:crypto");
  return typeof loaded === "object" && loaded !== null && "createHmac" in loaded ? (loaded as NodeHmac) : undefined;
})();
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 64;

/** The HMAC key for `secret` (imported once per secret: one app has one or two). */
function hmacKey(secret: Uint8Array, cacheKey: string): Promise<CryptoKey> {
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = crypto.subtle.importKey("raw", Uint8Array.from(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** HMAC-SHA256 of `message` under `secret` (UTF-8 text, or raw bytes). */
export async function hmacSha256(secret: string | Uint8Array, message: string): Promise<Uint8Array> {
  if (nodeCrypto) return new Uint8Array(nodeCrypto.createHmac("sha256", secret).update(message).digest());
  return webCryptoHmacSha256(secret, message);
}

/** The Web Crypto HMAC (Workers, browsers; exported so tests can hold it to node:crypto's). */
export async function webCryptoHmacSha256(secret: string | Uint8Array, message: string): Promise<Uint8Array> {
  const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
  const cacheKey = typeof secret === "string" ? `s:${secret}` : `b:${encodeBase64(secret)}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(bytes, cacheKey), encoder.encode(message));
  return new Uint8Array(signature);
}

export const toHex = (bytes: Uint8Array): string => encodeHexLowerCase(bytes);
export const toBase64 = (bytes: Uint8Array): string => encodeBase64(bytes);

/** Base64 to bytes, or null for text that is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  try {
    return decodeBase64(text);
  } catch {
    return null;
  }
}

/** True when any candidate equals `expected`; every candidate is compared in full, in constant time. */
export function matchesAny(expected: string, candidates: readonly string[]): boolean {
  let matched = false;
  for (const candidate of candidates) matched = constantTimeEqual(expected, candidate) || matched;
  return matched;
}

/** The header `name`, or a webhook-signature-missing problem. */
export function requireHeader(headers: Headers, name: string, provider: string): string {
  const value = headers.get(name);
  if (value === null || value.trim() === "") {
    throw new ProblemError("webhook-signature-missing", {
      detail: `The ${provider} webhook has no ${name} header`,
      extensions: { provider },
    });
  }
  return value;
}

export function invalidSignature(provider: string, detail = "The signature does not match the payload"): ProblemError {
  return new ProblemError("webhook-signature-invalid", { detail: `${provider}: ${detail}`, extensions: { provider } });
}

/** Refuses a timestamp (seconds) further than `toleranceSeconds` from `now`, either way. */
export function assertFresh(provider: string, timestamp: number, now: number, toleranceSeconds: number): void {
  if (!Number.isSafeInteger(timestamp)) throw invalidSignature(provider, "The signature timestamp is not a number");
  if (Math.abs(now - timestamp) > toleranceSeconds) {
    throw new ProblemError("webhook-timestamp-out-of-range", {
      detail: `${provider}: the webhook was signed ${now - timestamp}s ago; the tolerance is ${toleranceSeconds}s`,
      extensions: { provider, toleranceSeconds },
    });
  }
}

/** A header scheme of `<ts>=<seconds><sep><sig>=<hex>…` (Stripe's `t=…,v1=…`, Paddle's `ts=…;h1=…`). */
export interface TimestampedHmacScheme {
  header: string;
  separator: string;
  timestampKey: string;
  signatureKey: string;
  /** The text the provider signs, from the header's timestamp and the raw body. */
  signedText(timestamp: number, rawBody: string): string;
}

/** The timestamp and every signature the header lists; NaN when it has no valid timestamp. */
function parseTimestampedHeader(
  header: string,
  scheme: TimestampedHmacScheme,
): { timestamp: number; signatures: string[] } {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(scheme.separator)) {
    const [name, value = ""] = part.trim().split("=", 2);
    if (name === scheme.timestampKey && /^\d+$/.test(value)) timestamp = Number(value);
    else if (name === scheme.signatureKey) signatures.push(value);
  }
  return { timestamp, signatures };
}

/** Checks a timestamped hex HMAC-SHA256 signature header, then the timestamp's freshness. */
export async function verifyTimestampedHmac(
  provider: string,
  scheme: TimestampedHmacScheme,
  input: WebhookInput,
): Promise<void> {
  const header = requireHeader(input.headers, scheme.header, provider);
  const { timestamp, signatures } = parseTimestampedHeader(header, scheme);
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw invalidSignature(
      provider,
      `The ${scheme.header} header has no ${scheme.timestampKey}= and ${scheme.signatureKey}= parts`,
    );
  }
  const expected = toHex(await hmacSha256(input.secret, scheme.signedText(timestamp, input.rawBody)));
  if (!matchesAny(expected, signatures)) throw invalidSignature(provider);
  // Checked after the signature, so an attacker cannot learn anything from the timestamp check.
  assertFresh(provider, timestamp, input.now, input.toleranceSeconds);
}
