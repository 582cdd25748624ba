/**
 * Client-side row order matching the server's list order: `orderBy` fields in turn (nulls first
 * ascending, last descending), then the id as the final tie-breaker, so every row has one place.
 */

export interface OrderTerm {
  field: string;
  desc: boolean;
}

/** Parses `name:asc,age:desc`, `-age` and `age desc` (the server's accepted forms). */
export function parseOrderBy(orderBy: string | undefined): OrderTerm[] {
  if (!orderBy) return [];
  return orderBy
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      if (part.startsWith("-")) return { field: part.slice(1).trim(), desc: true };
      const m = /^([^:\s]+)(?:[:\s]+(asc|desc))?$/i.exec(part);
      return { field: m?.[1] ?? part, desc: m?.[2]?.toLowerCase() === "desc" };
    });
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : aNull ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const x = a instanceof Date ? a.toISOString() : String(a);
  const y = b instanceof Date ? b.toISOString() : String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A total order over rows: the terms, then `idKey`. */
export function createRowComparator<Row>(orderBy: string | undefined, idKey: string): (a: Row, b: Row) => number {
  const terms = parseOrderBy(orderBy);
  if (!terms.some((term) => term.field === idKey)) terms.push({ field: idKey, desc: false });
  return (a, b) => {
    for (const { field, desc } of terms) {
      const c = compareValues((a as Record<string, unknown>)[field], (b as Record<string, unknown>)[field]);
      // Nulls first ascending and last descending: reversing the whole comparison does both.
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  };
}
