/**
 * Reading providers' JSON without trusting its shape: each helper walks a path through unknown
 * data and answers null where the value is missing or of another type.
 */

/** The value at `path` inside `value`, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

export function stringAt(value: unknown, ...path: (string | number)[]): string | null {
  const found = at(value, ...path);
  if (typeof found === "string") return found;
  return typeof found === "number" ? String(found) : null;
}

export function numberAt(value: unknown, ...path: (string | number)[]): number | null {
  const found = at(value, ...path);
  if (typeof found === "number" && Number.isFinite(found)) return found;
  // Paddle sends amounts as strings of the smallest unit.
  if (typeof found === "string" && /^-?\d+(\.\d+)?$/.test(found)) return Number(found);
  return null;
}

export function booleanAt(value: unknown, ...path: (string | number)[]): boolean | null {
  const found = at(value, ...path);
  return typeof found === "boolean" ? found : null;
}

/** The first non-null of several readings (providers move fields between API versions). */
export function firstOf<T>(...values: (T | null)[]): T | null {
  for (const value of values) if (value !== null) return value;
  return null;
}

/** Seconds since the epoch, or an ISO string, as ISO 8601; null otherwise. */
export function isoAt(value: unknown, ...path: (string | number)[]): string | null {
  const found = at(value, ...path);
  if (typeof found === "number" && Number.isFinite(found)) return new Date(found * 1000).toISOString();
  return typeof found === "string" && !Number.isNaN(Date.parse(found)) ? new Date(found).toISOString() : null;
}
