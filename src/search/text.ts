/**
 * Words and documents: how search text is split into terms, and how a stored row becomes the
 * document an external index holds. Every adapter sees the same terms, so "all words must match"
 * means the same thing everywhere.
 */
import type { SearchDocument, SearchRow, SearchTarget } from "./types";

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** Lower-cased words without diacritics: `"Crème brûlée!"` → `["creme", "brulee"]`. */
export function searchTerms(text: string): string[] {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase().match(WORD) ?? [];
}

function fieldText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The indexed text of a stored row. */
export function documentOf(target: SearchTarget, row: SearchRow): SearchDocument {
  const fields: Record<string, string> = {};
  for (const key of Object.keys(target.fields)) fields[key] = fieldText(row[key]);
  return { id: String(row[target.idKey]), fields };
}
