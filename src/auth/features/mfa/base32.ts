/**
 * RFC 4648 base32 (A–Z, 2–7), the encoding authenticator apps expect for TOTP secrets, over
 * `@oslojs/encoding`. Encoding omits padding, as otpauth:// URIs do; decoding ignores case,
 * spaces and padding, and refuses anything else.
 */
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";

/** Encodes bytes as unpadded base32. */
export function base32Encode(bytes: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(bytes);
}

/** Decodes base32 (case-insensitive, spaces and `=` ignored); null on any other character or a malformed tail. */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(decodeBase32IgnorePadding(text.replace(/[\s=]/g, "").toUpperCase()));
  } catch {
    return null;
  }
}
