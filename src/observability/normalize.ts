/**
 * Turns whatever was handed to `append` into a clean entry of bounded size: known fields only,
 * each of the right type, strings cut to size. Total: never throws; an input with no usable kind
 * becomes undefined (and is dropped).
 */
import { boundedLabels, boundedRecord, boundedString, finiteNumber, MAX_STACK_CHARS } from "./bound";
import type { ObservabilityEntry, ObservabilityEntryInput } from "./types";

const OUTCOMES = new Set(["success", "denied", "failure"]);

/**
 * Drops undefined members so stored JSON and equality checks stay clean. Copied rather than
 * deleted in place: a delete turns the object into a slow dictionary, and every request appends one.
 */
function compact<E extends ObservabilityEntry>(entry: E): E {
  const kept: Record<string, unknown> = {};
  for (const key in entry) if (entry[key] !== undefined) kept[key] = entry[key];
  return kept as E;
}

/** A clean entry with `id` and `time`, or undefined when the input names no known kind. */
export function normalizeEntry(
  input: ObservabilityEntryInput,
  id: string,
  now: number,
): ObservabilityEntry | undefined {
  try {
    const time = finiteNumber(input.time) ?? now;
    const traceId = boundedString(input.traceId, 64);
    switch (input.kind) {
      case "audit":
        return compact({
          kind: "audit",
          id,
          time,
          traceId,
          action: boundedString(input.action, 128) ?? "unknown",
          actorId: boundedString(input.actorId, 256),
          targetId: boundedString(input.targetId, 256),
          resource: boundedString(input.resource),
          outcome: typeof input.outcome === "string" && OUTCOMES.has(input.outcome) ? input.outcome : "success",
          detail: boundedRecord(input.detail),
        });
      case "request":
        return compact({
          kind: "request",
          id,
          time,
          traceId,
          method: boundedString(input.method, 16) ?? "GET",
          route: boundedString(input.route) ?? "",
          path: boundedString(input.path) ?? "",
          status: finiteNumber(input.status) ?? 0,
          durationMs: finiteNumber(input.durationMs) ?? 0,
          userId: boundedString(input.userId, 256),
        });
      case "error":
        return compact({
          kind: "error",
          id,
          time,
          traceId,
          message: boundedString(input.message) ?? "",
          code: boundedString(input.code, 128),
          status: finiteNumber(input.status),
          method: boundedString(input.method, 16),
          route: boundedString(input.route),
          path: boundedString(input.path),
          stack: boundedString(input.stack, MAX_STACK_CHARS),
        });
      case "metric":
        return compact({
          kind: "metric",
          id,
          time,
          traceId,
          name: boundedString(input.name, 256) ?? "",
          value: finiteNumber(input.value) ?? 0,
          labels: boundedLabels(input.labels),
        });
      default:
        return undefined;
    }
  } catch {
    // A getter on the input that throws: the entry is dropped, the caller carries on.
    return undefined;
  }
}
