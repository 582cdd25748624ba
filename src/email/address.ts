/**
 * Mailboxes: parses `ada@example.com`, `Ada Lovelace <ada@example.com>` or `{ email, name }` into
 * a checked `Mailbox`. The address goes through the kernel's one email rule; the display name may
 * hold any printable text but no control characters (no CR/LF, so no header injection) and none
 * of `" < > \`, which would let a name pose as an address.
 */
import { isEmailAddress } from "../kernel/email-address";
import { invalidEmail } from "./problems";
import type { EmailAddressInput, Mailbox } from "./types";

const MAX_NAME_LENGTH = 200;
const NAMED_ADDRESS = /^(.*?)\s*<([^<>]*)>$/s;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f"<>\\\u2028\u2029]/;

/** Checks one address input; `field` names it in the error (`to[2]`, `from`). */
export function parseMailbox(input: EmailAddressInput, field: string): Mailbox {
  if (typeof input === "object" && input !== null) {
    if (typeof input.email !== "string") throw invalidEmail(field, `${field} needs an email string`);
    return mailbox(input.email.trim(), input.name, field);
  }
  if (typeof input !== "string") throw invalidEmail(field, `${field} must be an address string or { email, name }`);
  const named = NAMED_ADDRESS.exec(input.trim());
  if (named) return mailbox((named[2] as string).trim(), (named[1] as string) || undefined, field);
  return mailbox(input.trim(), undefined, field);
}

/** Checks a list field (`to`, `cc`, ...): one address or an array of them. */
export function parseMailboxList(
  input: EmailAddressInput | readonly EmailAddressInput[] | undefined,
  field: string,
): Mailbox[] {
  if (input === undefined) return [];
  const list: readonly EmailAddressInput[] = Array.isArray(input) ? input : [input as EmailAddressInput];
  return list.map((entry, index) => parseMailbox(entry, `${field}[${index}]`));
}

function mailbox(email: string, rawName: string | undefined, field: string): Mailbox {
  if (!isEmailAddress(email)) throw invalidEmail(field, `${field} is not a valid email address`);
  if (rawName === undefined) return { email };
  if (typeof rawName !== "string") throw invalidEmail(field, `${field}'s name must be a string`);
  const name = rawName.trim();
  if (name === "") return { email };
  if (UNSAFE_NAME.test(name))
    throw invalidEmail(
      field,
      `${field}'s display name may not contain control characters (CR, LF, ...), quotes, angle brackets or backslashes`,
    );
  if (name.length > MAX_NAME_LENGTH)
    throw invalidEmail(field, `${field}'s display name is longer than ${MAX_NAME_LENGTH} characters`);
  return { email, name };
}

/** Characters that make a display name need quotes (RFC 5322 specials). */
const NAME_SPECIALS = /[()<>[\]:;@\\,."]/;

/** `Ada Lovelace <ada@example.com>`, `"Acme, Inc." <no-reply@acme.example>` or `ada@example.com`, for providers that take one string. */
export function formatMailbox(box: Mailbox): string {
  if (box.name === undefined) return box.email;
  // Names hold no `"` or `\` (refused above), so quoting needs no escapes.
  return NAME_SPECIALS.test(box.name) ? `"${box.name}" <${box.email}>` : `${box.name} <${box.email}>`;
}
