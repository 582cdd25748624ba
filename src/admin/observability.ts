/**
 * The admin UI over the app's observability log (covara/observability): audit entries are written
 * to it and read back from it, and the request/error logs and metrics views read its request and
 * error entries. Reads go through `query()`, so in KV mode every instance's entries show.
 */
import type { CovaraContext } from "../kernel/context";
import { getObservabilityLog } from "../observability";
import type { AdminAuditEntry, AdminAuditStore, AdminLogSource } from "./types";

/** Audit entries in the app's observability log (`actorId` the admin, `targetId` the impersonated user). */
export function observabilityAuditStore(context: CovaraContext): AdminAuditStore {
  return {
    append(entry) {
      const { action, adminId, impersonatedId, method, path, detail, at } = entry;
      getObservabilityLog(context).audit({
        action,
        actorId: adminId,
        ...(impersonatedId === undefined ? {} : { targetId: impersonatedId }),
        ...(path === undefined ? {} : { resource: path }),
        detail: { ...detail, ...(method === undefined ? {} : { method }) },
        time: at,
      });
    },
    async recent(limit) {
      const entries = await getObservabilityLog(context).query({ kind: "audit", limit });
      return entries.map((entry): AdminAuditEntry => {
        const { method, ...detail } = entry.detail ?? {};
        return {
          action: entry.action,
          adminId: entry.actorId ?? "",
          ...(entry.targetId === undefined ? {} : { impersonatedId: entry.targetId }),
          ...(typeof method === "string" ? { method } : {}),
          ...(entry.resource === undefined ? {} : { path: entry.resource }),
          detail,
          at: entry.time,
        };
      });
    },
  };
}

/** The request and error entries of the app's observability log, newest first. */
export function observabilityLogSource(context: CovaraContext): AdminLogSource {
  return {
    requests: (limit) =>
      getObservabilityLog(context)
        .query({ kind: "request", limit })
        .then((entries) =>
          entries.map(({ time, method, path, route, status, durationMs, userId }) => ({
            time,
            method,
            path,
            route,
            status,
            durationMs,
            ...(userId === undefined ? {} : { userId }),
          })),
        ),
    metrics: (limit) =>
      getObservabilityLog(context)
        .query({ kind: "metric", limit })
        .then((entries) =>
          entries.map(({ time, name, value, labels }) => ({
            time,
            name,
            value,
            ...(labels === undefined ? {} : { labels }),
          })),
        ),
    errors: (limit) =>
      getObservabilityLog(context)
        .query({ kind: "error", limit })
        .then((entries) =>
          entries.map(({ time, message, code, status, method, path }) => ({
            time,
            message,
            ...(code === undefined ? {} : { code }),
            ...(status === undefined ? {} : { status }),
            ...(method === undefined ? {} : { method }),
            ...(path === undefined ? {} : { path }),
          })),
        ),
  };
}
