/**
 * Session activity metadata. Sign-in records the client IP and user agent in `session.data`;
 * each use stamps `lastActiveAt`, persisted at most once per interval per session and never
 * awaited: a slow or failing store cannot delay or fail the request it rides on.
 */
import type { Context } from "hono";
import { createBoundedMemo } from "../../kernel/bounded-memo";
import type { SessionData, SessionStore } from "../types";

const MAX_USER_AGENT_LENGTH = 512;
/** Sessions remembered as recently stamped; past this the memory is simply forgotten. */
const MAX_TRACKED_SESSIONS = 10_000;

export interface ActivityTracker {
  /** The `data` of a session being created for this request. */
  initialData(c: Context, clientIp: string): Record<string, unknown>;
  /** Stamps `lastActiveAt` when the interval has passed; fire-and-forget. */
  touch(session: SessionData): void;
}

function lastActive(session: SessionData): number {
  const value = session.data?.lastActiveAt;
  const time = typeof value === "string" || typeof value === "number" ? new Date(value).getTime() : NaN;
  return Number.isFinite(time) ? time : 0;
}

/** Creates the tracker for one store; `intervalMs` is the least time between two persisted stamps. */
export function createActivityTracker(store: () => SessionStore, intervalMs: number): ActivityTracker {
  // Concurrent requests all read the same stale `lastActiveAt`; this local memory lets only the first write.
  const stampedAt = createBoundedMemo<string, number>(MAX_TRACKED_SESSIONS);

  return {
    initialData(c, clientIp) {
      return {
        ipAddress: clientIp,
        userAgent: (c.req.header("user-agent") ?? "").slice(0, MAX_USER_AGENT_LENGTH),
        lastActiveAt: new Date().toISOString(),
      };
    },
    touch(session) {
      const now = Date.now();
      // The local memory answers most requests without parsing the stored timestamp.
      const stamped = stampedAt.get(session.id);
      if (stamped !== undefined && now - stamped < intervalMs) return;
      const last = Math.max(lastActive(session), stamped ?? 0);
      if (now - last < intervalMs) {
        stampedAt.set(session.id, last);
        return;
      }
      stampedAt.set(session.id, now);
      const data = { ...(session.data ?? {}), lastActiveAt: new Date(now).toISOString() };
      try {
        void Promise.resolve(store().update(session.id, { data })).catch(() => {});
      } catch {
        // A store that throws synchronously is as harmless here as one that rejects.
      }
    },
  };
}
