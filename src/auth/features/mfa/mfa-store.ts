/**
 * Where a user's TOTP enrollment and backup codes live. The default keeps them in the KV (memory
 * or Redis); an app that wants them in its database implements `MfaStore` itself.
 */
import type { KV } from "../../../kernel/kv";

/** One user's TOTP enrollment. */
export interface MfaState {
  /** The base32 TOTP secret. */
  secret: string;
  /** False between POST /mfa/enroll and a confirming code; MFA is on only when true. */
  enabled: boolean;
  /** When the enrollment was created / confirmed, ms since the epoch. */
  createdAt: number;
  enabledAt: number | null;
}

/** Persistence of MFA state; backup codes are stored only as hashes. */
export interface MfaStore {
  get(userId: string): Promise<MfaState | null>;
  /** Writes the state; `ttlMs` (for unconfirmed enrollments) lets it lapse if never confirmed. */
  put(userId: string, state: MfaState, ttlMs?: number): Promise<void>;
  /** Removes the enrollment and every backup code. */
  delete(userId: string): Promise<void>;
  /** Replaces the user's backup codes with these hashes. */
  replaceBackupCodes(userId: string, hashes: string[]): Promise<void>;
  /** Removes one backup code hash; true only for the one caller that removed it (single use). */
  consumeBackupCode(userId: string, hash: string): Promise<boolean>;
  countBackupCodes(userId: string): Promise<number>;
}

/** Creates an MFA store over a KV: a JSON state key and a set of backup-code hashes per user. */
export function createKVMfaStore(kv: KV, options: { prefix?: string } = {}): MfaStore {
  const prefix = options.prefix ?? "auth:mfa:";
  const stateKey = (userId: string) => `${prefix}state:${userId}`;
  // A sorted set, because removing a member is atomic and reports whether it was there.
  const codesKey = (userId: string) => `${prefix}backup:${userId}`;

  return {
    async get(userId) {
      const raw = await kv.get(stateKey(userId));
      return raw === null ? null : (JSON.parse(raw) as MfaState);
    },
    async put(userId, state, ttlMs) {
      await kv.set(stateKey(userId), JSON.stringify(state), ttlMs === undefined ? {} : { ttlMs });
    },
    async delete(userId) {
      await kv.delete(stateKey(userId));
      await kv.delete(codesKey(userId));
    },
    async replaceBackupCodes(userId, hashes) {
      await kv.delete(codesKey(userId));
      for (const hash of hashes) await kv.zadd(codesKey(userId), hash, 0);
    },
    consumeBackupCode: (userId, hash) => kv.zrem(codesKey(userId), hash),
    countBackupCodes: (userId) => kv.zcard(codesKey(userId)),
  };
}
