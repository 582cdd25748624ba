/** Entity tags in conditional requests (RFC 9110 §13.1): list parsing and matching. */

/** Parses an `If-Match` / `If-None-Match` list into its tags (weak prefix dropped); `*` stays `*`. */
export function parseEtagList(header: string): string[] {
  return header
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean)
    .map((tag) => (tag.startsWith("W/") ? tag.slice(2) : tag));
}

/** Whether a conditional header's list matches the current ETag (weak comparison). */
export function etagMatches(header: string, current: string): boolean {
  const tags = parseEtagList(header);
  return tags.includes("*") || tags.includes(current.startsWith("W/") ? current.slice(2) : current);
}
