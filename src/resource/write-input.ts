/**
 * Shapes a client's write body before hooks see it: unknown fields are rejected (strictInput) or
 * dropped, and columns outside `fields.writable` are stripped (mass-assignment protection). The
 * primary key and generated fields are exempt from stripping. Keys that are not columns are dropped
 * here (or refused, with strictInput).
 */
import { ProblemError } from "../kernel/errors";
import type { TableInfo } from "./table-info";

const MAX_FIELDS = 256;

/** Applies strictInput and the writable allowlist to one body. */
export function shapeWriteInput(
  body: Record<string, unknown>,
  info: TableInfo,
  strictInput: boolean,
): Record<string, unknown> {
  const keys = Object.keys(body);
  if (keys.length > MAX_FIELDS) {
    throw new ProblemError("validation-error", { detail: `The body has more than ${MAX_FIELDS} fields` });
  }
  if (strictInput) {
    const unknown = keys.filter((key) => !Object.hasOwn(info.columns, key));
    if (unknown.length > 0) {
      throw new ProblemError("unknown-field", {
        detail: `Unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.slice(0, 10).join(", ")}`,
        extensions: { fields: unknown.slice(0, 50) },
      });
    }
  }
  const shaped: Record<string, unknown> = {};
  for (const key of keys) {
    // The version column belongs to the server: clients express versions through If-Match.
    if (!Object.hasOwn(info.columns, key) || key === info.versionKey || key === info.softDeleteKey) continue;
    const allowed = info.writable === null || info.writable.has(key) || key === info.idKey || info.generated.has(key);
    if (allowed) shaped[key] = body[key];
  }
  return shaped;
}
