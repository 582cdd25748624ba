/**
 * String-matching patterns, built once and rendered three ways: SQLite GLOB (case-sensitive, unlike
 * SQLite's LIKE), SQL LIKE with a backslash escape, and an in-memory matcher that never
 * backtracks (a RegExp built from a pattern could take exponential time on hostile input). User
 * text is always literal: every wildcard character in it is escaped for the target syntax.
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { charLength, foldCase } from "./compare";

/** `any` = any run of characters (`%`), `one` = exactly one character (`_`). */
export type PatternPart = { literal: string } | "any" | "one";

/** Parses an RSQL `=like=` pattern: `%` and `_` are wildcards, `\` makes the next character literal. */
export function parseLikePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let literal = "";
  const flush = () => {
    if (literal !== "") parts.push({ literal });
    literal = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) {
      literal += pattern[++i];
    } else if (ch === "%" || ch === "_") {
      flush();
      parts.push(ch === "%" ? "any" : "one");
    } else {
      literal += ch;
    }
  }
  flush();
  return parts;
}

/** The parts for contains/startswith/endswith of a literal value. */
export function literalPattern(value: string, anchor: "contains" | "starts" | "ends"): PatternPart[] {
  const parts: PatternPart[] = [{ literal: value }];
  if (anchor !== "starts") parts.unshift("any");
  if (anchor !== "ends") parts.push("any");
  return parts;
}

function toLike(parts: PatternPart[]): string {
  return parts.map((p) => (p === "any" ? "%" : p === "one" ? "_" : p.literal.replace(/[\\%_]/g, "\\$&"))).join("");
}

function toGlob(parts: PatternPart[]): string {
  // GLOB has no escape character; a one-character class matches the metacharacter literally.
  return parts.map((p) => (p === "any" ? "*" : p === "one" ? "?" : p.literal.replace(/[*?[]/g, "[$&]"))).join("");
}

/** Case-sensitive match: GLOB on SQLite (its LIKE ignores ASCII case), LIKE on Postgres. */
export function matchSql(expr: SQLWrapper, parts: PatternPart[], dialect: "sqlite" | "pg"): SQL {
  if (dialect === "sqlite") return sql`${expr} glob ${sql.param(toGlob(parts))}`;
  return sql`${expr} like ${sql.param(toLike(parts))} escape '\\'`;
}

/** Case-insensitive match: both sides lowered by the database, so SQL and pattern fold alike. */
export function imatchSql(expr: SQLWrapper, parts: PatternPart[], dialect: "sqlite" | "pg"): SQL {
  const pattern = sql.param(toLike(parts));
  const lowered = dialect === "pg" ? sql`lower(${pattern}::text)` : sql`lower(${pattern})`;
  return sql`lower(${expr}) like ${lowered} escape '\\'`;
}

/**
 * Limits of one `=like=` pattern, checked when the filter is parsed. The in-memory matcher's work
 * is at most (value length) × (longest wildcard-free segment), so the length cap bounds it.
 */
export const LIKE_PATTERN_LIMITS = { maxLength: 256, maxAnyWildcards: 16 } as const;

/** Why a `=like=` pattern is refused (too long, too many `%`), or undefined when it is fine. */
export function likePatternProblem(pattern: string): string | undefined {
  const length = charLength(pattern);
  if (length > LIKE_PATTERN_LIMITS.maxLength) {
    return `Pattern is ${length} characters long; the maximum is ${LIKE_PATTERN_LIMITS.maxLength}`;
  }
  const anys = parseLikePattern(pattern).filter((part) => part === "any").length;
  if (anys > LIKE_PATTERN_LIMITS.maxAnyWildcards) {
    return `Pattern has ${anys} '%' wildcards; the maximum is ${LIKE_PATTERN_LIMITS.maxAnyWildcards}`;
  }
  return undefined;
}

/** A run of the pattern between two `%`: literal text and `_` (one code point each). */
type Segment = readonly (string | typeof ONE)[];
const ONE = Symbol("one");

/** A pattern prepared for matching: the segments between `%` wildcards. */
interface CompiledPattern {
  /** No `%` at all: the single segment must cover the whole value. */
  exact: boolean;
  first: Segment;
  middle: Segment[];
  last: Segment;
  /** Code points the last segment spans (it is matched at a fixed distance from the end). */
  lastLength: number;
}

function compilePattern(parts: PatternPart[]): CompiledPattern {
  const segments: (string | typeof ONE)[][] = [[]];
  for (const part of parts) {
    if (part === "any") segments.push([]);
    else segments[segments.length - 1]!.push(part === "one" ? ONE : part.literal);
  }
  const first = segments[0]!;
  if (segments.length === 1) return { exact: true, first, middle: [], last: [], lastLength: 0 };
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  const lastLength = last.reduce((n, token) => n + (token === ONE ? 1 : charLength(token)), 0);
  return { exact: false, first, middle, last, lastLength };
}

/** Index just past the code point at `i` (a surrogate pair is one character, as in SQL). */
function nextChar(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return i + 2;
  }
  return i + 1;
}

/** Whether `i` falls between the halves of a surrogate pair (not a character boundary). */
function insidePair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const low = text.charCodeAt(i);
  const high = text.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
}

/** Matches a segment starting at `at`; the index after it, or -1. Linear in the segment. */
function matchSegmentAt(text: string, at: number, segment: Segment): number {
  let i = at;
  for (const token of segment) {
    if (token === ONE) {
      if (i >= text.length) return -1;
      i = nextChar(text, i);
    } else {
      if (!text.startsWith(token, i)) return -1;
      i += token.length;
    }
  }
  return i;
}

/**
 * Finds the leftmost match of a segment at or after `from`; returns the index after it, or -1.
 * Candidates are tried left to right, each at most once, so the cost is O(text × segment).
 */
function findSegment(text: string, from: number, segment: Segment): number {
  const head = segment[0];
  let start = from;
  while (start <= text.length) {
    if (typeof head === "string") {
      // Jump straight to the next place the segment's leading literal occurs.
      start = text.indexOf(head, start);
      if (start < 0) return -1;
      if (insidePair(text, start)) {
        start++;
        continue;
      }
    }
    const end = matchSegmentAt(text, start, segment);
    if (end >= 0) return end;
    if (start >= text.length) return -1;
    start = nextChar(text, start);
  }
  return -1;
}

/** The index `count` code points before `end`, or -1 when the text is shorter. */
function charsBefore(text: string, end: number, count: number): number {
  let i = end;
  for (let n = 0; n < count; n++) {
    if (i <= 0) return -1;
    i -= 1;
    if (insidePair(text, i)) i -= 1;
  }
  return i;
}

/**
 * Tests a compiled pattern without backtracking: the segment before the first `%` must start the
 * value, the one after the last `%` must end it, and each segment in between takes its leftmost
 * match (which leaves the most room for the rest, so greed never loses a match).
 */
function runPattern(text: string, pattern: CompiledPattern): boolean {
  if (pattern.exact) return matchSegmentAt(text, 0, pattern.first) === text.length;
  let position = matchSegmentAt(text, 0, pattern.first);
  if (position < 0) return false;
  for (const segment of pattern.middle) {
    position = findSegment(text, position, segment);
    if (position < 0) return false;
  }
  const lastStart = charsBefore(text, text.length, pattern.lastLength);
  return lastStart >= position && matchSegmentAt(text, lastStart, pattern.last) === text.length;
}

const patternCache = new Map<string, CompiledPattern>();
const PATTERN_CACHE_LIMIT = 512;

/** Tests a pattern in memory in time bounded by value × pattern; `insensitive` folds both sides as the SQL does. */
export function matchPattern(value: string, pattern: string, insensitive: boolean): boolean {
  const key = (insensitive ? "i:" : "c:") + pattern;
  let compiled = patternCache.get(key);
  if (!compiled) {
    compiled = compilePattern(parseLikePattern(insensitive ? foldCase(pattern) : pattern));
    if (patternCache.size >= PATTERN_CACHE_LIMIT) patternCache.clear();
    patternCache.set(key, compiled);
  }
  return runPattern(insensitive ? foldCase(value) : value, compiled);
}
