/**
 * Backup codes: random single-use codes shown once at enrollment. Only their SHA-256 is stored —
 * a slow hash is unnecessary because each code carries 60 random bits, unlike a password.
 */
import { randomBytes, sha256Hex } from "../shared/crypto";
import { base32Encode } from "./base32";

/** Characters per code, before the dashes (12 base32 characters = 60 bits). */
const CODE_LENGTH = 12;

/** `count` new codes formatted `xxxx-xxxx-xxxx` for display. */
export function generateBackupCodes(count = 10): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = base32Encode(randomBytes(8)).slice(0, CODE_LENGTH).toLowerCase();
    codes.push(raw.match(/.{4}/g)!.join("-"));
  }
  return codes;
}

/** The canonical form of a typed code: lowercase, without dashes or spaces; null when it cannot be one. */
export function normalizeBackupCode(input: string): string | null {
  const clean = input.replace(/[\s-]/g, "").toLowerCase();
  return /^[a-z2-7]{12}$/.test(clean) ? clean : null;
}

/** The stored form of a code (hex SHA-256 of its canonical form). */
export function hashBackupCode(code: string): Promise<string> {
  return sha256Hex(`covara-backup-code:${normalizeBackupCode(code) ?? code}`);
}
