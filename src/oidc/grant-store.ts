/**
 * What the provider remembers, all in KV with expiry-derived TTLs: authorization codes (single
 * use), refresh tokens (rotated, with reuse detection) and revoked grants. Every token issued
 * from one authorization belongs to one grant; revoking the grant revokes the whole family.
 * Handles are stored under their SHA-256, so the KV never holds a usable token.
 */
import type { KV } from "../kernel/kv";
import { handleKey, randomHandle } from "./encoding";

/** What an authorization code stands for. */
export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  sub: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  authTime: number;
  grantId: string;
}

/** What a refresh token stands for. */
export interface RefreshRecord {
  clientId: string;
  sub: string;
  scope: string;
  authTime: number;
  grantId: string;
  /** Absolute end of the family (ms): rotation never extends it. */
  expiresAt: number;
}

/** Outcome of redeeming a code or refresh token. */
export type Redemption<T> = { ok: true; record: T } | { ok: false; reason: "unknown" | "replayed" | "revoked" };

/**
 * Validates the request against the record before it is spent: throwing refuses the request and
 * leaves the code or token unspent (unless it had been spent already: then it is a replay).
 */
export type RedemptionCheck<T> = (record: T) => void | Promise<void>;

export interface GrantStore {
  createCode(record: CodeRecord, ttlSeconds: number): Promise<string>;
  /** Reads a code without using it (a redemption's `check` is how a request is validated first). */
  peekCode(code: string): Promise<CodeRecord | null>;
  /**
   * Redeems a code once; a second redemption revokes its grant. `check` runs between reading the
   * record and spending it: what it throws refuses the request with the code left usable.
   */
  redeemCode(code: string, check?: RedemptionCheck<CodeRecord>): Promise<Redemption<CodeRecord>>;
  createRefreshToken(record: RefreshRecord): Promise<string>;
  /**
   * Redeems a refresh token; with `singleUse`, a second redemption revokes the family. `check` runs
   * between reading the record and spending it, as for `redeemCode`.
   */
  redeemRefreshToken(
    token: string,
    singleUse: boolean,
    check?: RedemptionCheck<RefreshRecord>,
  ): Promise<Redemption<RefreshRecord>>;
  /** Reads a refresh token without using it (introspection, revocation). */
  peekRefreshToken(token: string): Promise<RefreshRecord | null>;
  revokeGrant(grantId: string): Promise<void>;
  /** Revokes one access token by its jti until it would have expired anyway. */
  revokeAccessToken(jti: string, expiresAtSeconds: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;
  isGrantRevoked(grantId: string): Promise<boolean>;
  newGrantId(): string;
  /** Remembers that a grant acts for `sub` at `clientId`, so revoking consent can end it. */
  recordUserGrant(sub: string, clientId: string, grantId: string): Promise<void>;
  /** Revokes every grant of `sub` at one client, or at every client. */
  revokeUserGrants(sub: string, clientId?: string): Promise<void>;
}

/** A KV-backed grant store; `grantTtlSeconds` bounds how long any token of a grant can live. */
export function createGrantStore(kv: KV, prefix: string, grantTtlSeconds: number): GrantStore {
  const key = (kind: string, id: string) => `${prefix}${kind}:${id}`;

  async function parse<T>(value: string | null): Promise<T | null> {
    if (value === null) return null;
    try {
      return JSON.parse(value) as T;
    } catch {
      return null;
    }
  }

  /**
   * Runs a redemption's check. A refusal rethrows, leaving the record unspent; but a refused
   * request for a record already spent is a replay all the same, and revokes its grant (read
   * only on this refusal path, so an accepted request costs one read and one write).
   */
  async function passes<T extends { grantId: string }>(
    check: RedemptionCheck<T>,
    record: T,
    usedKey: string | null,
  ): Promise<boolean> {
    try {
      await check(record);
      return true;
    } catch (error) {
      if (usedKey === null || !(await kv.has(usedKey))) throw error;
      await store.revokeGrant(record.grantId);
      return false;
    }
  }

  const store: GrantStore = {
    newGrantId: () => randomHandle(16),

    async createCode(record, ttlSeconds) {
      const code = randomHandle();
      await kv.set(key("code", await handleKey(code)), JSON.stringify(record), { ttlMs: ttlSeconds * 1000 });
      return code;
    },

    async peekCode(code) {
      const hashed = await handleKey(code);
      const record = await parse<CodeRecord>(await kv.get(key("code", hashed)));
      if (!record || (await kv.has(key("code-used", hashed)))) return null;
      if (await store.isGrantRevoked(record.grantId)) return null;
      return record;
    },

    async redeemCode(code, check) {
      const hashed = await handleKey(code);
      const record = await parse<CodeRecord>(await kv.get(key("code", hashed)));
      if (!record) return { ok: false, reason: "unknown" };
      // A code whose grant was revoked (presented by another client, say) is void before its first use.
      if (await store.isGrantRevoked(record.grantId)) return { ok: false, reason: "revoked" };
      if (check && !(await passes(check, record, key("code-used", hashed)))) return { ok: false, reason: "replayed" };
      // The marker outlives the code, so a replay is recognised for as long as the grant's tokens live.
      const first = await kv.set(key("code-used", hashed), "1", { ifNotExists: true, ttlMs: grantTtlSeconds * 1000 });
      if (!first) {
        await store.revokeGrant(record.grantId);
        return { ok: false, reason: "replayed" };
      }
      // The record stays (under its hash) as long as the marker, so a replay can still find and revoke its grant.
      await kv.expire(key("code", hashed), grantTtlSeconds * 1000);
      return { ok: true, record };
    },

    async createRefreshToken(record) {
      const token = randomHandle();
      const ttlMs = Math.max(1, record.expiresAt - Date.now());
      await kv.set(key("rt", await handleKey(token)), JSON.stringify(record), { ttlMs });
      return token;
    },

    async redeemRefreshToken(token, singleUse, check) {
      const hashed = await handleKey(token);
      const record = await parse<RefreshRecord>(await kv.get(key("rt", hashed)));
      if (!record || record.expiresAt <= Date.now()) return { ok: false, reason: "unknown" };
      if (await store.isGrantRevoked(record.grantId)) return { ok: false, reason: "revoked" };
      if (check && !(await passes(check, record, singleUse ? key("rt-used", hashed) : null)))
        return { ok: false, reason: "replayed" };
      if (singleUse) {
        const first = await kv.set(key("rt-used", hashed), "1", {
          ifNotExists: true,
          ttlMs: Math.max(1, record.expiresAt - Date.now()),
        });
        if (!first) {
          await store.revokeGrant(record.grantId);
          return { ok: false, reason: "replayed" };
        }
      }
      return { ok: true, record };
    },

    async peekRefreshToken(token) {
      const hashed = await handleKey(token);
      const record = await parse<RefreshRecord>(await kv.get(key("rt", hashed)));
      if (!record || record.expiresAt <= Date.now()) return null;
      if (await kv.has(key("rt-used", hashed))) return null;
      if (await store.isGrantRevoked(record.grantId)) return null;
      return record;
    },

    async revokeGrant(grantId) {
      await kv.set(key("grant-revoked", grantId), "1", { ttlMs: grantTtlSeconds * 1000 });
    },

    async revokeAccessToken(jti, expiresAtSeconds) {
      const ttlMs = expiresAtSeconds * 1000 - Date.now();
      if (ttlMs > 0) await kv.set(key("at-revoked", jti), "1", { ttlMs });
    },

    async isAccessTokenRevoked(jti) {
      return kv.has(key("at-revoked", jti));
    },

    async isGrantRevoked(grantId) {
      return kv.has(key("grant-revoked", grantId));
    },

    async recordUserGrant(sub, clientId, grantId) {
      const index = key("user-grants", sub);
      const expiresAt = Date.now() + grantTtlSeconds * 1000;
      await kv.zadd(index, `${grantId} ${clientId}`, expiresAt);
      // Past entries are dropped here, so the index never outgrows the user's live grants.
      for (const stale of await kv.zrange(index, { max: Date.now() })) await kv.zrem(index, stale.member);
      await kv.expire(index, grantTtlSeconds * 1000);
    },

    async revokeUserGrants(sub, clientId) {
      const index = key("user-grants", sub);
      for (const { member } of await kv.zrange(index)) {
        // Grant ids are base64url, so the first space ends them; client ids may hold anything.
        const space = member.indexOf(" ");
        if (clientId !== undefined && member.slice(space + 1) !== clientId) continue;
        await store.revokeGrant(member.slice(0, space));
        await kv.zrem(index, member);
      }
    },
  };
  return store;
}
