/**
 * Control characters (C0, DEL, C1, and the Unicode line and paragraph separators): what must never
 * reach a header, a log line or a storage key. Code-point checks rather than a regular expression
 * with control characters in it.
 */

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

export function stripControlCharacters(text: string, replacement = ""): string {
  let out = "";
  for (const char of text) out += isControl(char.charCodeAt(0)) ? replacement : char;
  return out;
}
