/**
 * The admin audit log's default home: an in-memory ring of the newest entries, and the one place
 * that writes to a sink, so a failing sink is reported and never fails the admin's request.
 */
import type { Logger } from "../kernel/logger";
import type { AdminAuditEntry, AdminAuditStore } from "./types";

/** A ring buffer keeping the newest `capacity` entries. */
export function createMemoryAuditStore(capacity = 1000): AdminAuditStore {
  const entries: AdminAuditEntry[] = [];
  return {
    append(entry) {
      entries.push(entry);
      if (entries.length > capacity) entries.splice(0, entries.length - capacity);
    },
    async recent(limit) {
      return entries.slice(-limit).reverse();
    },
  };
}

/** Records audit entries to `sink`, logging (never throwing) what it refuses. */
export type AuditRecorder = (entry: Omit<AdminAuditEntry, "at">) => Promise<void>;

export function createAuditRecorder(sink: AdminAuditStore, logger: () => Logger): AuditRecorder {
  return async (entry) => {
    try {
      await sink.append({ ...entry, at: Date.now() });
    } catch (error) {
      logger().error("covara: the admin audit sink refused an entry", error, {
        source: "admin-audit",
        action: entry.action,
      });
    }
  };
}
