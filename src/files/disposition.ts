/**
 * `Content-Disposition` per RFC 6266: an ASCII `filename` fallback (quotes and backslashes
 * escaped, anything non-ASCII replaced) and, when the name is not plain ASCII, `filename*` in
 * RFC 8187 UTF-8 percent-encoding. Control characters never reach the header.
 */

import { stripControlCharacters } from "./control-characters";

function attrChar(byte: number): boolean {
  // RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
  return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(byte));
}

function encodeExtValue(name: string): string {
  let out = "UTF-8''";
  for (const byte of new TextEncoder().encode(name))
    out += attrChar(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

/** The header value for a stored file name. */
export function contentDisposition(kind: "attachment" | "inline", fileName: string): string {
  const clean = stripControlCharacters(fileName);
  const fallback = clean.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "\\$&");
  const plain = /^[\x20-\x7e]*$/.test(clean);
  return plain
    ? `${kind}; filename="${fallback}"`
    : `${kind}; filename="${fallback}"; filename*=${encodeExtValue(clean)}`;
}
