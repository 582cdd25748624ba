/**
 * Sessions in process memory, with a per-user index. For development, tests and single-instance
 * apps; sessions are lost on restart (the contract allows that).
 */
import type { SessionData, SessionStore } from "../types";
import { assertStorableSession } from "./session-data";

/** A session as held: times as numbers and data as JSON text, so every read hands out a fresh copy cheaply. */
interface HeldSession {
  userId: string;
  createdAt: number;
  expiresAt: number;
  data: string | null | undefined;
}

/** Creates an in-memory SessionStore; expired sessions read as absent and are dropped on access. */
export function createMemorySessionStore(): SessionStore {
  const sessions = new Map<string, HeldSession>();
  const byUser = new Map<string, Set<string>>();

  function hold(session: SessionData): HeldSession {
    return {
      userId: session.userId,
      createdAt: session.createdAt.getTime(),
      expiresAt: session.expiresAt.getTime(),
      // The same JSON semantics as the KV and SQL stores: data is free-form JSON.
      data: session.data == null ? session.data : JSON.stringify(session.data),
    };
  }

  function release(id: string, held: HeldSession): SessionData {
    return {
      id,
      userId: held.userId,
      createdAt: new Date(held.createdAt),
      expiresAt: new Date(held.expiresAt),
      data: held.data == null ? held.data : (JSON.parse(held.data) as Record<string, unknown>),
    };
  }

  function remove(id: string): HeldSession | undefined {
    const held = sessions.get(id);
    if (held === undefined) return undefined;
    sessions.delete(id);
    const ids = byUser.get(held.userId);
    ids?.delete(id);
    if (ids?.size === 0) byUser.delete(held.userId);
    return held;
  }

  /** The live session, dropping it first when it has expired. */
  function live(id: string): HeldSession | undefined {
    const held = sessions.get(id);
    if (held === undefined) return undefined;
    if (held.expiresAt <= Date.now()) {
      remove(id);
      return undefined;
    }
    return held;
  }

  return {
    async create(session) {
      assertStorableSession(session);
      // Re-creating an id replaces the old session, including its place in the user index.
      remove(session.id);
      sessions.set(session.id, hold(session));
      let ids = byUser.get(session.userId);
      if (ids === undefined) byUser.set(session.userId, (ids = new Set()));
      ids.add(session.id);
    },
    async get(id) {
      const held = live(id);
      return held === undefined ? null : release(id, held);
    },
    async update(id, patch) {
      const held = live(id);
      if (held === undefined) return false;
      const current = release(id, held);
      const next: SessionData = {
        ...current,
        expiresAt: patch.expiresAt ?? current.expiresAt,
        data: patch.data !== undefined ? patch.data : current.data,
      };
      assertStorableSession(next);
      sessions.set(id, hold(next));
      return true;
    },
    async delete(id) {
      remove(id);
    },
    async listByUser(userId) {
      const result: SessionData[] = [];
      for (const id of [...(byUser.get(userId) ?? [])]) {
        const held = live(id);
        if (held !== undefined) result.push(release(id, held));
      }
      return result;
    },
    async deleteByUser(userId) {
      const now = Date.now();
      let deleted = 0;
      for (const id of [...(byUser.get(userId) ?? [])]) {
        const held = remove(id);
        if (held !== undefined && held.expiresAt > now) deleted++;
      }
      return deleted;
    },
  };
}
