/**
 * Validates an `EmailMessage` into the `OutgoingEmail` every adapter receives: addresses checked,
 * the subject and every header free of CR/LF (so nothing can add a header or a body), custom
 * header names limited to RFC 5322 field-name characters and kept off the headers covara writes.
 */
import { parseMailbox, parseMailboxList } from "./address";
import { invalidEmail } from "./problems";
import type { EmailAddressInput, EmailMessage, OutgoingEmail } from "./types";

/** Longest subject accepted: a header line is at most 998 characters (RFC 5322), and "Subject: " takes 9. */
export const MAX_SUBJECT_LENGTH = 900;
/** Most recipients (to + cc + bcc) in one message; Resend and Cloudflare both stop at 50. */
export const MAX_RECIPIENTS = 50;

const HEADER_NAME = /^[!-9;-~]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/;
/** Headers the message's own fields set; a custom header may not override them. */
const RESERVED_HEADERS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "sender",
  "return-path",
]);

/** Checks `message`, filling `from` with `defaultFrom` when it has none. */
export function validateEmailMessage(message: EmailMessage, defaultFrom?: EmailAddressInput): OutgoingEmail {
  if (typeof message !== "object" || message === null)
    throw invalidEmail("message", "an email message must be an object");
  const fromInput = message.from ?? defaultFrom;
  if (fromInput === undefined)
    throw invalidEmail("from", "from is required: pass it on the message or as setGlobalEmail's default");
  const from = parseMailbox(fromInput, "from");
  const to = parseMailboxList(message.to, "to");
  if (to.length === 0) throw invalidEmail("to", "to needs at least one address");
  const cc = parseMailboxList(message.cc, "cc");
  const bcc = parseMailboxList(message.bcc, "bcc");
  const replyTo = parseMailboxList(message.replyTo, "replyTo");
  if (to.length + cc.length + bcc.length > MAX_RECIPIENTS)
    throw invalidEmail("to", `a message may have at most ${MAX_RECIPIENTS} recipients (to, cc and bcc together)`);

  const subject = checkSubject(message.subject);
  const html = checkBody(message.html, "html");
  const text = checkBody(message.text, "text");
  if (html === undefined && text === undefined) throw invalidEmail("text", "a message needs an html or a text body");

  return {
    from,
    to,
    cc,
    bcc,
    replyTo,
    subject,
    ...(html === undefined ? {} : { html }),
    ...(text === undefined ? {} : { text }),
    headers: checkHeaders(message.headers),
  };
}

function checkSubject(subject: unknown): string {
  if (typeof subject !== "string") throw invalidEmail("subject", "subject must be a string");
  if (CONTROL.test(subject) || subject.includes("\t"))
    throw invalidEmail("subject", "subject may not contain line breaks or control characters");
  const trimmed = subject.trim();
  if (trimmed === "") throw invalidEmail("subject", "subject is required");
  if (trimmed.length > MAX_SUBJECT_LENGTH)
    throw invalidEmail("subject", `subject is longer than ${MAX_SUBJECT_LENGTH} characters`);
  return trimmed;
}

function checkBody(body: unknown, field: "html" | "text"): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body !== "string") throw invalidEmail(field, `${field} must be a string`);
  return body === "" ? undefined : body;
}

function checkHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== "object" || headers === null)
    throw invalidEmail("headers", "headers must be an object of strings");
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name))
      throw invalidEmail("headers", `header name ${JSON.stringify(name)} is not a valid header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw invalidEmail("headers", `header ${name} is set from the message's own fields`);
    if (typeof value !== "string") throw invalidEmail("headers", `header ${name} must be a string`);
    if (CONTROL.test(value))
      throw invalidEmail("headers", `header ${name} may not contain line breaks or control characters`);
    if (name.length + value.length > MAX_SUBJECT_LENGTH) throw invalidEmail("headers", `header ${name} is too long`);
    checked[name] = value;
  }
  return checked;
}
