/**
 * Literal syntax shared by the lexer, the serialiser, the `rsql` tag and coercion: one definition of
 * what a number, a date and a quoted string look like, so parsing and printing cannot drift apart.
 */
import type { RsqlLiteral } from "./ast";

/** Numbers as JSON writes them (no leading zeros, so `007` stays a string, e.g. a zip code). */
export const NUMBER_PATTERN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Looser numeric text accepted when coercing a string for a numeric column (`"007"`, `"+5"`, `".5"`). */
const LOOSE_NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
/** Anything starting like an ISO date is meant as one: a malformed one is an error, not a word. */
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(?:[Tt]|$)/;

/** True when `text` starts like an ISO date/datetime (and so must parse as one). */
export function looksLikeDate(text: string): boolean {
  return DATE_LIKE.test(text);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses an ISO 8601 date (`2024-01-31`, UTC midnight) or datetime (`2024-01-31T10:00:00Z`; no zone
 * means UTC, never the server's local time). Returns undefined for anything invalid, including
 * calendar nonsense such as February 30th that `Date` would silently roll over.
 */
export function parseIsoDate(text: string): Date | undefined {
  const m = DATETIME_PATTERN.exec(text) ?? DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** Parses numeric text leniently (for coercion only); undefined when it is not a finite number. */
export function parseLooseNumber(text: string): number | undefined {
  if (!LOOSE_NUMBER_PATTERN.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Double-quotes a string so the lexer reads it back verbatim. */
export function quoteString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = value.charCodeAt(i);
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** Prints one literal in canonical RSQL (strings quoted, dates as bare ISO datetimes). */
export function formatLiteral(value: RsqlLiteral): string {
  if (value === null) return "null";
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} in an RSQL filter`);
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (value instanceof Date) {
    const time = value.getTime();
    const year = value.getUTCFullYear();
    if (Number.isNaN(time)) throw new TypeError("Cannot write an invalid Date in an RSQL filter");
    if (year < 0 || year > 9999) throw new TypeError("Cannot write a Date outside years 0000-9999 in an RSQL filter");
    return value.toISOString();
  }
  throw new TypeError(`Cannot write a value of type ${typeof value} in an RSQL filter`);
}
