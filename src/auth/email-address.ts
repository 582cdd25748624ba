/**
 * The one rule for an email address, shared by every auth and OIDC path that takes one (/signup,
 * /login, magic links, password reset, passkey options, email verification, the OIDC login page),
 * so an address accepted by one is never refused by another.
 *
 * The rule itself lives in `kernel/email-address.ts`, which outgoing mail (`email/`) shares; this
 * module adds the zod field request bodies use.
 */
import { z } from "zod";
import { isEmailAddress, MAX_EMAIL_LENGTH } from "../kernel/email-address";

export { isEmailAddress, MAX_EMAIL_LENGTH };

/** The zod field for an email in a request body: trimmed, then held to `isEmailAddress`. */
export const emailAddressField = z
  .string({ error: "email must be a string" })
  .trim()
  .min(1, { error: "email is required" })
  .max(MAX_EMAIL_LENGTH, { error: `email must be at most ${MAX_EMAIL_LENGTH} characters` })
  .refine(isEmailAddress, { error: "email must be an email address" });
