/**
 * Random secrets and their digests for stores that keep only a hash (verification tokens, API
 * keys). Web Crypto only, so it runs on Node and Workers alike.
 */

/** A random secret of `bytes` bytes, base64url-encoded without padding. */
export function randomSecret(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return toBase64Url(buffer);
}

/** SHA-256 of the text, base64url-encoded: what a store keeps in place of a high-entropy secret. */
export async function sha256Base64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return toBase64Url(new Uint8Array(digest));
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

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The digest under which a verification token is stored: bound to its purpose, so a reset token never works as a magic link. */
export function verificationTokenDigest(token: string, purpose: string): Promise<string> {
  return sha256Base64Url(`${purpose}:${token}`);
}

/** Raw verification tokens are base64url of 32 random bytes; anything else is rejected before a lookup. */
export const VERIFICATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
