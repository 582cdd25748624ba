/** Stable cache keys from a path and parameters (filters by their text). */
import { Filter } from "../filter";

/** `path` plus the JSON of `params`, with Filter objects written as their RSQL. */
export function queryKey(path: string, params: unknown): string {
  return `${path}\u0000${JSON.stringify(params ?? null, (_key, value: unknown) => (value instanceof Filter ? String(value) : value))}`;
}
