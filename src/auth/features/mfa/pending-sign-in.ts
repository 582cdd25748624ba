/**
 * The short-lived ticket between a passed password step and the second factor. Only its hash is a
 * KV key, it expires on its own, and it is deleted on the one successful use.
 */
import type { KV } from "../../../kernel/kv";
import { randomToken, sha256Hex } from "../shared/crypto";

export interface PendingSignIn {
  userId: string;
  /** The primary credential that passed ("password", "magic-link", ...). */
  method: string;
}

const PREFIX = "auth:mfa:pending:";

/** Stores a pending sign-in and returns its raw token. */
export async function createPendingSignIn(kv: KV, pending: PendingSignIn, ttlMs: number): Promise<string> {
  const token = randomToken();
  await kv.set(PREFIX + (await sha256Hex(token)), JSON.stringify(pending), { ttlMs });
  return token;
}

/** The pending sign-in behind `token`, or null when it is unknown, expired or used. */
export async function readPendingSignIn(kv: KV, token: string): Promise<PendingSignIn | null> {
  const raw = await kv.get(PREFIX + (await sha256Hex(token)));
  return raw === null ? null : (JSON.parse(raw) as PendingSignIn);
}

/** Deletes the ticket; true only for the one caller that deleted it. */
export async function finishPendingSignIn(kv: KV, token: string): Promise<boolean> {
  return kv.delete(PREFIX + (await sha256Hex(token)));
}
