/** Verification tokens in process memory: only a purpose-bound digest is kept; consume is single-use. */
import type { VerificationPurpose, VerificationTokenStore } from "../types";
import { assertTokenRequest } from "./verification-token-rules";
import { randomSecret, VERIFICATION_TOKEN_PATTERN, verificationTokenDigest } from "./secrets";

interface StoredToken {
  identifier: string;
  expires: number;
}

/** Creates an in-memory VerificationTokenStore. */
export function createMemoryVerificationTokenStore(): VerificationTokenStore {
  const tokens = new Map<string, StoredToken>();

  /** Drops expired entries now and then so unused tokens do not pile up. */
  function sweep(now: number): void {
    for (const [digest, entry] of tokens) if (entry.expires <= now) tokens.delete(digest);
  }

  return {
    async create(identifier: string, purpose: VerificationPurpose, ttlMs: number) {
      assertTokenRequest(identifier, purpose, ttlMs);
      const token = randomSecret();
      const digest = await verificationTokenDigest(token, purpose);
      const now = Date.now();
      if (tokens.size >= 1024) sweep(now);
      tokens.set(digest, { identifier, expires: now + ttlMs });
      return token;
    },
    async consume(token: string, purpose: VerificationPurpose) {
      if (typeof token !== "string" || !VERIFICATION_TOKEN_PATTERN.test(token)) return null;
      const digest = await verificationTokenDigest(token, purpose);
      // Read and delete in the same synchronous step: two concurrent consumes cannot both see it.
      const entry = tokens.get(digest);
      if (entry === undefined) return null;
      tokens.delete(digest);
      return entry.expires > Date.now() ? entry.identifier : null;
    },
  };
}
