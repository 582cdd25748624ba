/**
 * The one rule for an email address, shared by every path that takes one: auth and OIDC (through
 * `auth/email-address.ts`) and outgoing mail (`email/`), so an address accepted by one is never
 * refused by another.
 *
 * Deliberately narrower than RFC 5322: a dot-separated local part of letters, digits and `_ ' + -`,
 * and a DNS host name with a letter (or punycode) top-level label. Control characters, spaces,
 * angle brackets, quotes, commas and the like are refused: they have no place in an account's
 * address and are how header injection and display spoofing start.
 */

/** Longest email address (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;

const LOCAL_ATOM = "[A-Za-z0-9_'+-]+";
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const TOP_LABEL = "(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})";
const EMAIL_PATTERN = new RegExp(`^(?=[^@]{1,64}@)${LOCAL_ATOM}(?:\\.${LOCAL_ATOM})*@(?:${LABEL}\\.)+${TOP_LABEL}$`);

/** Whether `value` (already trimmed) is an email address every path accepts. */
export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(value);
}
