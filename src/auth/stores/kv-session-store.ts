/**
 * Sessions in any KV backend (memory, Redis, Durable Objects). Each session is one JSON value
 * with a TTL derived from its expiry; each user has a sorted-set index (member: session id,
 * score: expiry), so per-user listing and bulk logout never scan. The stored field names are a
 * private serialization and are not remappable.
 */
import type { KV } from "../../kernel/kv";
import type { SessionData, SessionStore } from "../types";
import { assertStorableSession, copySession, isExpired } from "./session-data";

export interface KVSessionStoreOptions {
  kv: KV;
  /** Prefix of every key the store writes (default "covara:sessions:"). */
  prefix?: string;
}

/** The private serialization: short names, epoch-millisecond times. */
interface StoredSession {
  u: string;
  c: number;
  e: number;
  d?: Record<string, unknown> | null;
}

// A deleted session leaves a short-lived marker so an update racing with the delete (read, then
// write) notices it and removes what it wrote: logout can never be undone by activity stamping.
const TOMBSTONE_TTL_MS = 10 * 60 * 1000;

/** Creates a SessionStore over a KV. */
export function createKVSessionStore(options: KVSessionStoreOptions): SessionStore {
  const { kv } = options;
  const prefix = options.prefix ?? "covara:sessions:";
  const sessionKey = (id: string) => `${prefix}s:${id}`;
  const userKey = (userId: string) => `${prefix}u:${userId}`;
  const tombstoneKey = (id: string) => `${prefix}x:${id}`;

  async function read(id: string): Promise<SessionData | null> {
    const raw = await kv.get(sessionKey(id));
    if (raw === null) return null;
    const session = parse(id, raw);
    if (session === null || isExpired(session)) return null;
    return session;
  }

  async function write(session: SessionData): Promise<void> {
    const ttlMs = session.expiresAt.getTime() - Date.now();
    const stored: StoredSession = {
      u: session.userId,
      c: session.createdAt.getTime(),
      e: session.expiresAt.getTime(),
      d: session.data ?? null,
    };
    await kv.set(sessionKey(session.id), JSON.stringify(stored), { ttlMs: Math.max(ttlMs, 1) });
  }

  /** Adds the session to its user's index and keeps the index alive as long as its longest session. */
  async function index(session: SessionData): Promise<void> {
    const key = userKey(session.userId);
    await kv.zadd(key, session.id, session.expiresAt.getTime());
    const last = (await kv.zrange(key, { reverse: true, limit: 1 }))[0];
    if (last !== undefined) await kv.expire(key, Math.max(last.score - Date.now(), 1));
  }

  async function remove(id: string, userId: string | undefined): Promise<boolean> {
    await kv.set(tombstoneKey(id), "1", { ttlMs: TOMBSTONE_TTL_MS });
    const existed = await kv.delete(sessionKey(id));
    if (userId !== undefined) await kv.zrem(userKey(userId), id);
    return existed;
  }

  return {
    async create(session) {
      assertStorableSession(session);
      if (isExpired(session)) return; // already expired: nothing to keep
      // An id re-created on purpose starts clean (ids are random, so this is the rare case).
      await kv.delete(tombstoneKey(session.id));
      const stored = copySession(session);
      await write(stored);
      await index(stored);
    },
    get: read,
    async update(id, patch) {
      const current = await read(id);
      if (current === null) return false;
      // `current` was just parsed from the KV: a fresh object of our own, safe to build on.
      const next: SessionData = {
        ...current,
        expiresAt: patch.expiresAt ?? current.expiresAt,
        data: patch.data !== undefined ? patch.data : current.data,
      };
      assertStorableSession(next);
      if (isExpired(next)) {
        await remove(id, current.userId);
        return true;
      }
      await write(next);
      // Only a new expiry moves the session in its user's index (activity stamps patch data alone).
      if (patch.expiresAt !== undefined) await index(next);
      if (await kv.has(tombstoneKey(id))) {
        // Deleted while we were writing: undo our write so the delete wins.
        await kv.delete(sessionKey(id));
        await kv.zrem(userKey(current.userId), id);
        return false;
      }
      return true;
    },
    async delete(id) {
      const raw = await kv.get(sessionKey(id));
      await remove(id, raw === null ? undefined : (parse(id, raw)?.userId ?? undefined));
    },
    async listByUser(userId) {
      const key = userKey(userId);
      await kv.zremRangeByScore(key, Number.NEGATIVE_INFINITY, Date.now());
      const sessions: SessionData[] = [];
      for (const { member } of await kv.zrange(key)) {
        const session = await read(member);
        if (session === null || session.userId !== userId) await kv.zrem(key, member);
        else sessions.push(session);
      }
      return sessions;
    },
    async deleteByUser(userId) {
      const key = userKey(userId);
      let deleted = 0;
      for (const { member, score } of await kv.zrange(key)) {
        const existed = await remove(member, undefined);
        if (existed && score > Date.now()) deleted++;
      }
      await kv.delete(key);
      return deleted;
    },
  };
}

/**
 * @deprecated Use createKVSessionStore({ kv }) with a Redis KV (createRedisKV from covara/kv); this
 * alias remains for existing code.
 */
export const createRedisSessionStore = createKVSessionStore;

function parse(id: string, raw: string): SessionData | null {
  let stored: Partial<StoredSession>;
  try {
    stored = JSON.parse(raw) as Partial<StoredSession>;
  } catch {
    return null;
  }
  if (typeof stored.u !== "string" || typeof stored.c !== "number" || typeof stored.e !== "number") return null;
  const data = stored.d !== null && typeof stored.d === "object" && !Array.isArray(stored.d) ? stored.d : null;
  return { id, userId: stored.u, createdAt: new Date(stored.c), expiresAt: new Date(stored.e), data };
}
