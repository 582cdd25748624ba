/** Copying and checking SessionData, shared by the session stores. */
import type { SessionData } from "../types";

/** A deep copy, so callers never mutate what a store holds (and a store never sees later edits). */
export function copySession(session: SessionData): SessionData {
  return {
    id: session.id,
    userId: session.userId,
    createdAt: new Date(session.createdAt.getTime()),
    expiresAt: new Date(session.expiresAt.getTime()),
    data: session.data == null ? session.data : structuredClone(session.data),
  };
}

/** Rejects sessions a store cannot hold: empty ids, invalid dates. */
export function assertStorableSession(session: SessionData): void {
  if (typeof session.id !== "string" || session.id.length === 0 || session.id.length > 512) {
    throw new TypeError("session store: session.id must be a non-empty string of at most 512 characters");
  }
  if (typeof session.userId !== "string" || session.userId.length === 0 || session.userId.length > 512) {
    throw new TypeError("session store: session.userId must be a non-empty string of at most 512 characters");
  }
  for (const key of ["createdAt", "expiresAt"] as const) {
    const value = session[key];
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new TypeError(`session store: session.${key} must be a valid Date`);
    }
  }
}

/** True once the session's expiry has passed. */
export function isExpired(session: Pick<SessionData, "expiresAt">, now = Date.now()): boolean {
  return session.expiresAt.getTime() <= now;
}
