/** PKCE (RFC 7636), S256 only: `plain` would let an intercepted code be redeemed as is. */
import { base64Url, constantTimeEqual, digest } from "./encoding";

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** True when `challenge` has the shape of an S256 challenge. */
export function isS256Challenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** True when `verifier` hashes to `challenge`. */
export async function verifyPkce(challenge: string, verifier: string): Promise<boolean> {
  if (!VERIFIER.test(verifier)) return false;
  return constantTimeEqual(base64Url(await digest("SHA-256", verifier)), challenge);
}
