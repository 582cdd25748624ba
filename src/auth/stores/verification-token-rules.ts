/** Argument checks every VerificationTokenStore applies before creating a token. */
import type { VerificationPurpose } from "../types";

/** Longest identifier a store accepts (an email address is at most 254 characters). */
export const MAX_IDENTIFIER_LENGTH = 320;

/** Throws a TypeError for arguments no flow should ever pass (a programming error, not user input). */
export function assertTokenRequest(identifier: string, purpose: VerificationPurpose, ttlMs: number): void {
  if (typeof identifier !== "string" || identifier.length === 0 || identifier.length > MAX_IDENTIFIER_LENGTH) {
    throw new TypeError(
      `verification tokens: identifier must be a non-empty string of at most ${MAX_IDENTIFIER_LENGTH} characters`,
    );
  }
  if (typeof purpose !== "string" || !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(purpose)) {
    throw new TypeError("verification tokens: purpose must be 1-64 letters, digits, '.', '_' or '-'");
  }
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError("verification tokens: ttlMs must be a positive number of milliseconds");
  }
}
