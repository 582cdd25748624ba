/**
 * File names as clients send them, made safe to store and to send back: the directory part of a
 * path (`../../etc/passwd`, `C:\\x`) is dropped, control characters (CR, LF, NUL) removed, the
 * length bounded; quotes and any Unicode are kept (Content-Disposition encodes them, see
 * disposition.ts). And the storage keys: per user, random, never derived from the name but for a
 * short plain extension.
 */

import { stripControlCharacters } from "./control-characters";

/** Longest stored name, in UTF-16 code units. */
const MAX_NAME = 255;

/** A client's file name, reduced to a safe base name ("file" when nothing is left). */
export function safeFileName(raw: string | undefined | null): string {
  const base = (raw ?? "").split(/[/\\]/).pop() ?? "";
  // Control characters would allow header injection or confuse logs; the rest is kept as given.
  const cleaned = stripControlCharacters(base).trim();
  const trimmed = cleaned.replace(/^\.+$/, "");
  const bounded = [...trimmed].slice(0, MAX_NAME).join("");
  return bounded.length === 0 ? "file" : bounded;
}

/** A key segment from a user id: letters, digits, `-` and `_` kept, anything else hex-escaped. */
function keySegment(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, (char) => `~${char.codePointAt(0)!.toString(16)}`).slice(0, 128) || "~";
}

/** The first segment of every key under this prefix. */
export function keyPrefixSegment(prefix: string): string {
  return keySegment(prefix);
}

/** A new storage key: `<prefix>/<user or "public">/<random>[.<ext>]`. */
export function newStorageKey(prefix: string, userId: string | number | undefined | null, fileName: string): string {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(fileName)?.[1]?.toLowerCase();
  const owner = userId === undefined || userId === null ? "public" : `u-${keySegment(String(userId))}`;
  const id = crypto.randomUUID();
  return `${keySegment(prefix)}/${owner}/${id}${extension ? `.${extension}` : ""}`;
}
