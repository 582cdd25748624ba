/**
 * RSQL lexer: turns filter text into tokens with their source offsets. It knows nothing about
 * grammar or operators' meaning; the parser decides whether a word is a field, a value or `and`.
 */
import { filterError } from "./filter-error";

export type TokenKind = "(" | ")" | "[" | "]" | ";" | "," | "operator" | "string" | "word" | "eof";

export interface Token {
  kind: TokenKind;
  /** The token as written (for a string: with its quotes and escapes). */
  text: string;
  /** For `string`: the unescaped content; otherwise the same as `text`. */
  value: string;
  /** 0-based offset of the first character. */
  start: number;
}

const PUNCTUATION = new Set(["(", ")", "[", "]", ";", ","]);
const OPERATOR_NAME = /=[A-Za-z][A-Za-z0-9_-]*=/y;
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "'": "'", "\\": "\\" };

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v";
}

/** Whether the character at `i` ends an unquoted word (`!` only as the start of `!=`). */
function endsWord(input: string, i: number): boolean {
  const ch = input[i] as string;
  if (isSpace(ch) || PUNCTUATION.has(ch) || ch === "=" || ch === "<" || ch === ">") return true;
  return ch === "!" && input[i + 1] === "=";
}

function describe(ch: string): string {
  return ch === "'" ? `"'"` : `'${ch}'`;
}

/** Splits a filter into tokens, ending with an `eof` token; throws filter-parse-error on bad text. */
export function tokenize(input: string): Token[] {
  // Postgres cannot hold NUL in text and would fail at query time; refuse it on every dialect.
  const nul = input.indexOf("\0");
  if (nul >= 0) throw filterError(`NUL character at position ${nul} is not allowed in a filter`, nul);
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const ch = input[i] as string;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, value: ch, start });
      i++;
    } else if (ch === '"' || ch === "'") {
      const { value, end } = readQuoted(input, i);
      const text = input.slice(start, end);
      tokens.push({ kind: "string", text, value, start });
      i = end;
    } else if (ch === "=" || ch === "<" || ch === ">" || (ch === "!" && input[i + 1] === "=")) {
      const text = readOperator(input, i);
      tokens.push({ kind: "operator", text, value: text, start });
      i += text.length;
    } else {
      while (i < n && !endsWord(input, i)) i++;
      const text = input.slice(start, i);
      tokens.push({ kind: "word", text, value: text, start });
    }
  }
  tokens.push({ kind: "eof", text: "", value: "", start: n });
  return tokens;
}

function readOperator(input: string, i: number): string {
  const ch = input[i] as string;
  const next = input[i + 1];
  if (ch === "!") return "!=";
  if (ch === "<" || ch === ">") return next === "=" ? ch + "=" : ch;
  if (next === "=") return "==";
  OPERATOR_NAME.lastIndex = i;
  const m = OPERATOR_NAME.exec(input);
  if (m) return m[0];
  // Show what was written up to the next delimiter, so the message points at the typo.
  let end = i + 1;
  while (end < input.length && /[A-Za-z0-9_-]/.test(input[end] as string)) end++;
  const written = input.slice(i, end);
  const hint = written.length > 1 && input[end] !== "=" ? " (missing closing '=')" : "";
  throw filterError(
    `Invalid operator '${written}' at position ${i}${hint}: operators look like '==', '>=' or '=name='`,
    i,
    { operator: written },
  );
}

function readQuoted(input: string, start: number): { value: string; end: number } {
  const quote = input[start] as string;
  let value = "";
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === quote) return { value, end: i + 1 };
    if (ch !== "\\") {
      value += ch;
      i++;
      continue;
    }
    const esc = input[i + 1];
    if (esc === undefined) break;
    if (esc === "u") {
      const hex = input.slice(i + 2, i + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
        throw filterError(`Invalid escape sequence '\\u${hex}' at position ${i}: expected four hex digits`, i);
      }
      const code = parseInt(hex, 16);
      if (code === 0) throw filterError(`NUL character (\\u0000) at position ${i} is not allowed in a filter`, i);
      value += String.fromCharCode(code);
      i += 6;
      continue;
    }
    // Unknown escapes stay verbatim, so `=like="50\%"` keeps the backslash that makes % literal.
    value += SIMPLE_ESCAPES[esc] ?? "\\" + esc;
    i += 2;
  }
  throw filterError(`Unterminated string starting at position ${start}: missing closing ${describe(quote)}`, start);
}
