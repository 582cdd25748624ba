/** HTML escaping for the few server-rendered pages and emails (OIDC pages, auth link emails). */

const ENTITY_PATTERN = /[&<>"']/g;

/**
 * Escapes text for HTML element content or a quoted attribute value: `& < > " '` become numeric
 * character references (`<` → `&#60;`). Not for unquoted attributes, URLs' schemes or script bodies.
 *
 * @example
 * `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`
 */
export function escapeHtml(text: string): string {
  return text.replace(ENTITY_PATTERN, (char) => `&#${char.charCodeAt(0)};`);
}
