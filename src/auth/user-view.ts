/**
 * What of a user the auth routes send to the client. Apps often hand back a whole users row, so
 * by default anything that looks like a credential (password, hash, secret, token, salt, TOTP
 * seed, backup codes) is left out; `exposeUser` replaces the rule entirely.
 */
import type { AuthUser } from "./types";

const SENSITIVE_KEY = /pass(word)?|hash|secret|token|salt|totp|backup.?codes?|otp|private/i;

/** The user without credential-like fields, safe to send in a response body. */
export function defaultUserView(user: AuthUser): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (!SENSITIVE_KEY.test(key) && typeof value !== "function") view[key] = value;
  }
  view.id = user.id;
  return view;
}
