/**
 * Verification tokens in any KV backend. A token is stored under its purpose-bound digest with a
 * TTL; consume deletes the key and only the caller whose delete removed it wins, so two
 * concurrent consumes (even on different instances sharing Redis) cannot both succeed.
 */
import type { KV } from "../../kernel/kv";
import type { VerificationPurpose, VerificationTokenStore } from "../types";
import { randomSecret, VERIFICATION_TOKEN_PATTERN, verificationTokenDigest } from "./secrets";
import { assertTokenRequest } from "./verification-token-rules";

export interface KVVerificationTokenStoreOptions {
  kv: KV;
  /** Prefix of every key the store writes (default "covara:verification:"). */
  prefix?: string;
}

/** Creates a VerificationTokenStore over a KV. */
export function createKVVerificationTokenStore(options: KVVerificationTokenStoreOptions): VerificationTokenStore {
  const { kv } = options;
  const prefix = options.prefix ?? "covara:verification:";

  return {
    async create(identifier: string, purpose: VerificationPurpose, ttlMs: number) {
      assertTokenRequest(identifier, purpose, ttlMs);
      const token = randomSecret();
      const digest = await verificationTokenDigest(token, purpose);
      await kv.set(prefix + digest, JSON.stringify({ i: identifier, e: Date.now() + ttlMs }), { ttlMs });
      return token;
    },
    async consume(token: string, purpose: VerificationPurpose) {
      if (typeof token !== "string" || !VERIFICATION_TOKEN_PATTERN.test(token)) return null;
      const key = prefix + (await verificationTokenDigest(token, purpose));
      const raw = await kv.get(key);
      if (raw === null) return null;
      // DEL is atomic on every backend and reports whether it removed the key: exactly one winner.
      if (!(await kv.delete(key))) return null;
      try {
        const stored = JSON.parse(raw) as { i?: unknown; e?: unknown };
        if (typeof stored.i !== "string" || typeof stored.e !== "number" || stored.e <= Date.now()) return null;
        return stored.i;
      } catch {
        return null;
      }
    },
  };
}
