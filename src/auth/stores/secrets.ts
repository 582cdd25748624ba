/**
 * Random secrets and their digests for stores that keep only a hash (verification tokens, API
 * keys). Web Crypto only, so it runs on Node and Workers alike.
 */
import { sha256Url } from "../../kernel/web-crypto";

export { constantTimeEqual, randomToken as randomSecret, sha256Url as sha256Base64Url } from "../../kernel/web-crypto";

/** The digest under which a verification token is stored: bound to its purpose, so a reset token never works as a magic link. */
export function verificationTokenDigest(token: string, purpose: string): Promise<string> {
  return sha256Url(`${purpose}:${token}`);
}

/** Raw verification tokens are base64url of 32 random bytes; anything else is rejected before a lookup. */
export const VERIFICATION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
