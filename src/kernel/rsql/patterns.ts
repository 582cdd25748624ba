/**
 * String-matching patterns, built once and rendered three ways: SQLite GLOB (case-sensitive, unlike
 * SQLite's LIKE), SQL LIKE with a backslash escape, and a JS RegExp. User text is always literal:
 * every wildcard character in it is escaped for the target syntax.
 */
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { foldCase } from "./compare.js";

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
  return parts
    .map((p) => (p === "any" ? "%" : p === "one" ? "_" : p.literal.replace(/[\\%_]/g, "\\$&")))
    .join("");
}

function toGlob(parts: PatternPart[]): string {
  // GLOB has no escape character; a one-character class matches the metacharacter literally.
  return parts
    .map((p) => (p === "any" ? "*" : p === "one" ? "?" : p.literal.replace(/[*?[]/g, "[$&]")))
    .join("");
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

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 512;

function toRegExp(parts: PatternPart[]): RegExp {
  const source = parts
    .map((p) => (p === "any" ? "[^]*" : p === "one" ? "." : p.literal.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")))
    .join("");
  // `u`: `.` is one code point, as `_` is one character in SQL; `s`-like `[^]*` crosses newlines.
  return new RegExp(`^${source}$`, "su");
}

/** Tests a pattern in memory; `insensitive` folds both sides the way the SQL does. */
export function matchPattern(value: string, pattern: string, insensitive: boolean): boolean {
  const key = (insensitive ? "i:" : "c:") + pattern;
  let re = regexCache.get(key);
  if (!re) {
    re = toRegExp(parseLikePattern(insensitive ? foldCase(pattern) : pattern));
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(key, re);
  }
  return re.test(insensitive ? foldCase(value) : value);
}
