/**
 * WebAuthn challenges in the KV: short-lived, bound to the ceremony (and, for registration, the
 * user) they were issued for, and single use — taking one deletes it, so a replayed response fails.
 */
import type { KV } from "../../../kernel/kv";
import { fromBase64Url } from "../shared/crypto";

export interface IssuedChallenge {
  ceremony: "registration" | "authentication";
  /** The user a registration challenge was issued to. */
  userId?: string;
}

const PREFIX = "auth:passkey:challenge:";

/** Remembers a challenge for `ttlMs`. */
export async function rememberChallenge(
  kv: KV,
  challenge: string,
  issued: IssuedChallenge,
  ttlMs: number,
): Promise<void> {
  await kv.set(PREFIX + challenge, JSON.stringify(issued), { ttlMs });
}

/** Takes a challenge: what it was issued for, or null when unknown, expired or already taken. */
export async function takeChallenge(kv: KV, challenge: string): Promise<IssuedChallenge | null> {
  const raw = await kv.get(PREFIX + challenge);
  if (raw === null) return null;
  // The delete decides: of two concurrent takers, only one sees it succeed.
  if (!(await kv.delete(PREFIX + challenge))) return null;
  return JSON.parse(raw) as IssuedChallenge;
}

/** The challenge a response's clientDataJSON carries, or null when it cannot be read. */
export function challengeOf(clientDataJSON: string): string | null {
  const bytes = fromBase64Url(clientDataJSON);
  if (bytes === null) return null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const challenge = (parsed as { challenge?: unknown }).challenge;
    return typeof challenge === "string" && challenge.length > 0 && challenge.length <= 512 ? challenge : null;
  } catch {
    return null;
  }
}
