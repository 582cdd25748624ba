/** Small Web Crypto helpers: base64url, random handles, hashes and a constant-time compare. */

/** Bytes as unpadded base64url. */
export function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random, URL-safe handle (codes, refresh tokens, ids). */
export function randomHandle(bytes = 32): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return base64Url(buffer);
}

/** The digest of a string with the named SHA hash. */
export async function digest(hash: "SHA-256" | "SHA-384" | "SHA-512", text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(text)));
}

/** SHA-256 base64url: how handles are stored, so a KV dump reveals no usable token. */
export async function handleKey(handle: string): Promise<string> {
  return base64Url(await digest("SHA-256", handle));
}

/** Compares two strings without an early exit on the first differing byte. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}
