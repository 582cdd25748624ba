/** Column values as JSON and CSV carry them: dates as ISO text, bytes as base64, big integers exactly. */

function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

function base64(value: Uint8Array | ArrayBuffer): string {
  return Buffer.from(value instanceof ArrayBuffer ? new Uint8Array(value) : value).toString("base64");
}

/** A value JSON.stringify can write without losing it. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (isBytes(value)) return base64(value);
  return value;
}

/** A value as one CSV field; NULL stays NULL. */
export function toCsvText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (isBytes(value)) return base64(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * A value read from a file, as the column wants it bound. postgres-js serialises a parameter by
 * the type the server infers for it, so text must first become the boolean, JSON or bytes it
 * stands for; SQLite converts text by column affinity itself (and the libsql adapter binds JSON
 * values as their text).
 */
export function fromPortable(value: unknown, columnType: string, dialect: "sqlite" | "pg"): unknown {
  if (value === null || value === undefined) return null;
  if (dialect === "sqlite") return value;
  if (typeof value !== "string") return value;
  if (columnType === "boolean") return /^(t|true|1|yes|on)$/i.test(value.trim());
  if (columnType === "json" || columnType === "jsonb" || columnType === "array") return JSON.parse(value);
  if (columnType === "bytea") return Buffer.from(value, "base64");
  return value;
}
