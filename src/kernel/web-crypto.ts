/**
 * The Web Crypto helpers every security feature shares (auth stores, auth features, OIDC):
 * unpadded base64url, random URL-safe tokens, SHA-256 digests and a constant-time comparison.
 * Web-standard only (plus `@oslojs/encoding`), so they run on Node and Workers alike.
 */
import { encodeBase64urlNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/** Encodes bytes as unpadded base64url (RFC 4648 §5). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64urlNoPadding(bytes);
}

/** Random bytes as an unpadded base64url string (ids, opaque tokens; 32 bytes → 43 characters). */
export function randomToken(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return encodeBase64Url(buffer);
}

/** SHA-256 of a string, base64url-encoded: how high-entropy secrets are kept at rest. */
export async function sha256Url(text: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** Lowercase hex SHA-256 of a UTF-8 string: how tokens and codes are keyed where hex is the stored spelling. */
export async function sha256Hex(text: string): Promise<string> {
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** Compares two strings without an early exit, so timing does not reveal the common prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  // Length differences still fold into the result; the loop always runs over the longer input.
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
