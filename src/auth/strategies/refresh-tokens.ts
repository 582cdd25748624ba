/**
 * Refresh-token families in KV. Signing in starts a family; each refresh consumes the presented
 * token and issues the next one in the same family. A token presented a second time means it was
 * stolen (or replayed): the whole family is revoked, so neither the thief nor the victim can
 * refresh again. Only SHA-256 digests of tokens are stored.
 */
import type { KV } from "../../kernel/kv";
import { randomToken, sha256Url } from "../../kernel/web-crypto";
import { publishIdentityRevoked } from "../../kernel/identity-events";

interface TokenRecord {
  userId: string;
  familyId: string;
}

interface FamilyRecord {
  userId: string;
}

export type RotationResult =
  | { status: "rotated"; userId: string; familyId: string; token: string }
  | { status: "reused"; userId: string; familyId: string }
  | { status: "invalid" };

export interface RefreshTokenStore {
  /** Starts a family for a sign-in and returns its first token. */
  startFamily(userId: string): Promise<{ familyId: string; token: string }>;
  /** The user a token belongs to, without consuming it (for per-user throttling). */
  /**
   * Consumes `token` and returns the next one, or reports reuse (the family is then revoked).
   * `admit(userId)` runs once the token's owner is known and before it is used (throttling).
   */
  rotate(token: string, admit?: (userId: string) => Promise<void>): Promise<RotationResult>;
  /** The family a token belongs to while it is live. */
  familyOf(token: string): Promise<string | null>;
  isFamilyActive(familyId: string): Promise<boolean>;
  revokeFamily(familyId: string): Promise<void>;
  /** Revokes every family of a user. */
  revokeUser(userId: string): Promise<void>;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const FAMILY_PATTERN = /^[A-Za-z0-9_-]{22}$/;

function parse<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

/** Creates the store; `ttlMs` is how long a token (and a family, extended on each use) lives. */
export function createRefreshTokenStore(
  kv: () => KV,
  ttlMs: number,
  prefix = "covara:auth:refresh:",
): RefreshTokenStore {
  const tokenKey = (digest: string) => `${prefix}token:${digest}`;
  const usedKey = (digest: string) => `${prefix}used:${digest}`;
  const familyKey = (familyId: string) => `${prefix}family:${familyId}`;
  const userKey = (userId: string) => `${prefix}user:${userId}`;

  async function recordOf(token: string): Promise<{ digest: string; record: TokenRecord } | null> {
    if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) return null;
    const digest = await sha256Url(token);
    const record = parse<TokenRecord>(await kv().get(tokenKey(digest)));
    return record === null ? null : { digest, record };
  }

  async function mint(userId: string, familyId: string): Promise<string> {
    const token = randomToken(32);
    const expiresAt = Date.now() + ttlMs;
    await kv().set(tokenKey(await sha256Url(token)), JSON.stringify({ userId, familyId } satisfies TokenRecord), {
      ttlMs,
    });
    // Each rotation extends the family as far as its newest token.
    await kv().set(familyKey(familyId), JSON.stringify({ userId } satisfies FamilyRecord), { ttlMs });
    await kv().zadd(userKey(userId), familyId, expiresAt);
    await kv().expire(userKey(userId), ttlMs);
    return token;
  }

  /** Deletes a family; true when it was still active. */
  async function deleteFamily(familyId: string): Promise<boolean> {
    if (!FAMILY_PATTERN.test(familyId)) return false;
    return kv().delete(familyKey(familyId));
  }

  async function revokeFamily(familyId: string): Promise<void> {
    // Bearer streams authenticated under this family end at once, not at their next re-check.
    // A family that was already gone (revoked with its user a moment ago) is not announced again.
    if (await deleteFamily(familyId)) await publishIdentityRevoked({ sessionId: familyId });
  }

  return {
    async startFamily(userId) {
      const familyId = randomToken(16);
      await kv().zremRangeByScore(userKey(userId), -Infinity, Date.now());
      return { familyId, token: await mint(userId, familyId) };
    },

    async rotate(token, admit) {
      const found = await recordOf(token);
      if (found === null) return { status: "invalid" };
      const { digest, record } = found;
      await admit?.(record.userId);
      if (!(await kv().has(familyKey(record.familyId)))) return { status: "invalid" };
      // Marking the token used is atomic (set-if-absent): of two concurrent uses, exactly one wins.
      const first = await kv().set(usedKey(digest), "1", { ifNotExists: true, ttlMs });
      if (!first) {
        await revokeFamily(record.familyId);
        return { status: "reused", userId: record.userId, familyId: record.familyId };
      }
      return {
        status: "rotated",
        userId: record.userId,
        familyId: record.familyId,
        token: await mint(record.userId, record.familyId),
      };
    },

    async familyOf(token) {
      const found = await recordOf(token);
      return found?.record.familyId ?? null;
    },

    async isFamilyActive(familyId) {
      return FAMILY_PATTERN.test(familyId) && (await kv().has(familyKey(familyId)));
    },

    revokeFamily,

    async revokeUser(userId) {
      const families = await kv().zrange(userKey(userId));
      await Promise.all(families.map((entry) => deleteFamily(entry.member)));
      await kv().delete(userKey(userId));
      // One signal for the user covers every family's streams (not one per family besides).
      await publishIdentityRevoked({ userId });
    },
  };
}
