/**
 * Checking a second-factor code: a TOTP code (each time step accepted once per user, so a code
 * seen over a shoulder cannot be replayed inside its window) or a single-use backup code.
 */
import type { KV } from "../../../kernel/kv";
import { base32Decode } from "./base32";
import { hashBackupCode, normalizeBackupCode } from "./backup-codes";
import type { MfaState, MfaStore } from "./mfa-store";
import { verifyTotp, type TotpAlgorithm } from "./totp";

export interface TotpSettings {
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  window: number;
}

/** Which kind of code passed. */
export type CodeKind = "totp" | "backup-code";

const USED_PREFIX = "auth:mfa:used:";

/**
 * Accepts a TOTP code once: the matched step must be later than the last step this user used
 * (so an older code inside the window fails too), and claiming it is atomic across instances.
 */
export async function acceptTotp(
  kv: KV,
  userId: string,
  state: MfaState,
  code: string,
  settings: TotpSettings,
): Promise<boolean> {
  const key = base32Decode(state.secret);
  if (key === null) return false;
  const step = await verifyTotp(key, code, settings);
  if (step === null) return false;
  const lastKey = `${USED_PREFIX}${userId}:last`;
  const last = Number((await kv.get(lastKey)) ?? Number.NEGATIVE_INFINITY);
  if (step <= last) return false;
  const ttlMs = (2 * settings.window + 2) * settings.period * 1000;
  const claimed = await kv.set(`${USED_PREFIX}${userId}:${step}`, "1", { ttlMs, ifNotExists: true });
  if (!claimed) return false;
  await kv.set(lastKey, String(step), { ttlMs });
  return true;
}

/** Checks `code` as a TOTP code, then as a backup code (consuming it); null when neither passes. */
export async function checkSecondFactor(
  kv: KV,
  store: MfaStore,
  userId: string,
  state: MfaState,
  code: string,
  settings: TotpSettings,
): Promise<CodeKind | null> {
  const compact = code.replace(/\s/g, "");
  if (/^\d+$/.test(compact)) return (await acceptTotp(kv, userId, state, compact, settings)) ? "totp" : null;
  if (normalizeBackupCode(code) === null) return null;
  return (await store.consumeBackupCode(userId, await hashBackupCode(code))) ? "backup-code" : null;
}
