/**
 * In-memory value comparison with the ordering the SQL side uses: strings by code point (SQLite's
 * BINARY collation, Postgres `COLLATE "C"`), numbers and bigints numerically, dates by instant.
 */

/** Compares strings by Unicode code point, which is also UTF-8 byte order (unlike JS `<`). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000-U+FFFF; move them above.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Orders two values of the same family; `undefined` when they cannot be compared (different
 * types, NaN, invalid dates), which every operator treats as "does not match".
 */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "string" && tb === "string") return compareStrings(a as string, b as string);
  if ((ta === "number" || ta === "bigint") && (tb === "number" || tb === "bigint")) {
    // JS compares number and bigint exactly with < and >.
    const x = a as number;
    const y = b as number;
    // biome-ignore lint/suspicious/noDoubleEquals: loose equality is what compares a number with a bigint by value.
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : undefined;
  }
  if (ta === "boolean" && tb === "boolean") return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) {
    const x = a.getTime();
    const y = b.getTime();
    if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return undefined;
}

/** Lowercases for the case-insensitive operators (see docs for the Unicode caveat on SQLite). */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

/** Length in characters (code points), as SQLite `length()` and Postgres `char_length()` count. */
export function charLength(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A high surrogate followed by a low one is a single character.
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
