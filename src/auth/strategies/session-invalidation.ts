/**
 * Ending every session of one user. Stores with the per-user index (listByUser/deleteByUser:
 * the memory, KV and Drizzle stores) touch only that user's sessions; a store without it (an
 * app's own, older store exposing `getAll`) falls back to a scan.
 */
import type { SessionData, SessionStore } from "../types";
import { publishIdentityRevoked } from "../../kernel/identity-events";

/** A store that may lack the per-user index but can list everything. */
export type InvalidatableStore = Pick<SessionStore, "delete"> &
  Partial<Pick<SessionStore, "listByUser" | "deleteByUser">> & { getAll?(): Promise<SessionData[]> };

/** Deletes every session of `userId` except `exceptSessionId`; returns how many were deleted. */
export async function invalidateUserSessions(
  store: InvalidatableStore,
  userId: string,
  exceptSessionId?: string,
): Promise<number> {
  const deleted = await deleteUserSessions(store, userId, exceptSessionId);
  // Also for an app's own store: open subscription streams of the user re-check at once.
  await publishIdentityRevoked({ userId });
  return deleted;
}

async function deleteUserSessions(
  store: InvalidatableStore,
  userId: string,
  exceptSessionId: string | undefined,
): Promise<number> {
  if (exceptSessionId === undefined && typeof store.deleteByUser === "function") return store.deleteByUser(userId);
  let sessions: SessionData[];
  if (typeof store.listByUser === "function") {
    sessions = await store.listByUser(userId);
  } else if (typeof store.getAll === "function") {
    sessions = (await store.getAll()).filter((session) => session.userId === userId);
  } else {
    throw new TypeError(
      "covara/auth: the session store supports neither listByUser nor getAll, so it cannot end a user's sessions",
    );
  }
  const doomed = sessions.filter((session) => session.id !== exceptSessionId);
  await Promise.all(doomed.map((session) => store.delete(session.id)));
  return doomed.length;
}
