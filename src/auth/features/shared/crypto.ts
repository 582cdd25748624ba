/**
 * Small Web Crypto helpers the auth features share: random tokens, SHA-256 digests and a
 * constant-time string comparison. `sha256Hex` is hex (not the kernel's base64url `sha256Url`)
 * because existing KV keys and stored backup codes are spelled that way; `fromBase64Url` also
 * takes padded input, unlike the kernel's strict token decoder. Web-standard only, so the features also run on Workers.
 */
import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";

export {
  constantTimeEqual as timingSafeEqualStrings,
  encodeBase64Url as toBase64Url,
  randomToken,
  sha256Hex,
} from "../../../kernel/web-crypto";

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Decodes unpadded (or padded) base64url; null when the input is not base64url. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  try {
    return Uint8Array.from(decodeBase64urlIgnorePadding(text.replace(/=+$/, "")));
  } catch {
    return null;
  }
}
