/**
 * Bounds what goes into the log: a hostile or runaway caller (a 10 MB error message, a circular
 * detail object, a getter that throws) must neither break `append` nor blow up memory or a log
 * line. Everything here is total: it never throws.
 */

/** Longest kept string field (messages, paths, actions); longer ones are cut and marked. */
export const MAX_FIELD_CHARS = 2048;
/** Longest kept stack. */
export const MAX_STACK_CHARS = 8192;
/** Largest kept `detail` / `labels`, as JSON. */
export const MAX_DETAIL_CHARS = 4096;

const ELLIPSIS = "…[truncated]";

/** `value` as a string of at most `max` characters, or undefined when it is not a string. */
export function boundedString(value: unknown, max = MAX_FIELD_CHARS): string | undefined {
  if (typeof value !== "string") return undefined;
  return value.length <= max ? value : `${value.slice(0, max)}${ELLIPSIS}`;
}

/** A finite number, or undefined. */
export function finiteNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * A JSON-safe copy of `value` of bounded size: round-tripped through JSON (dropping functions and
 * symbols), replaced by a marker when it cannot be serialised or is too large.
 */
export function boundedRecord(value: unknown, max = MAX_DETAIL_CHARS): Record<string, unknown> | undefined {
  if (value === undefined || value === null || typeof value !== "object") return undefined;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return { unserializable: true };
  }
  if (json === undefined) return undefined;
  if (json.length > max) return { truncated: true, preview: json.slice(0, Math.min(max, 512)) };
  const copy: unknown = JSON.parse(json);
  return copy !== null && typeof copy === "object" && !Array.isArray(copy)
    ? Object.fromEntries(Object.entries(copy))
    : { value: copy };
}

/** String-valued labels, bounded in count and length. */
export function boundedLabels(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null || typeof value !== "object") return undefined;
  const labels: Record<string, string> = {};
  let count = 0;
  try {
    for (const [key, label] of Object.entries(value)) {
      if (count++ >= 16) break;
      labels[boundedString(key, 128) ?? ""] = boundedString(String(label), 256) ?? "";
    }
  } catch {
    return undefined;
  }
  return labels;
}
