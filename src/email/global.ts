/**
 * The app-wide email adapter: registered once at start-up (`setGlobalEmail(createResendAdapter(...))`)
 * and used by `sendEmail`, `sendEmailBatch` and the auth features that send mail when the app gave
 * them no sender of its own.
 */
import type { EmailTheme } from "./builder/theme";
import type { EmailAdapter, EmailAddressInput } from "./types";

/** Defaults for every message sent through the global adapter. */
export interface GlobalEmailDefaults {
  /** The sender used when a message has no `from`. */
  from?: EmailAddressInput;
  /** The theme covara's own emails (sign-in links, verification, password reset) are built with. */
  theme?: EmailTheme;
}

/** What `setGlobalEmail` registered. */
export interface GlobalEmail {
  adapter: EmailAdapter;
  defaults: GlobalEmailDefaults;
}

let globalEmail: GlobalEmail | undefined;

/** Registers the app-wide email adapter and its defaults; `undefined` unregisters it. */
export function setGlobalEmail(adapter: EmailAdapter | undefined, defaults: GlobalEmailDefaults = {}): void {
  if (
    adapter !== undefined &&
    (typeof adapter !== "object" || adapter === null || typeof adapter.send !== "function")
  ) {
    throw new TypeError("covara/email: setGlobalEmail needs an EmailAdapter (an object with send())");
  }
  globalEmail = adapter === undefined ? undefined : { adapter, defaults: { ...defaults } };
}

/** The app-wide adapter and defaults, if one was registered. */
export function getGlobalEmail(): GlobalEmail | undefined {
  return globalEmail;
}
