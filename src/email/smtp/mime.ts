/**
 * Builds the RFC 5322 / MIME text of a message for SMTP: 7-bit clean, so any server takes it.
 * Bodies are quoted-printable UTF-8 (a multipart/alternative with the plaintext first when both
 * exist); non-ASCII header text is RFC 2047 encoded words. Nothing here can add a header: the
 * validated message holds no CR or LF outside its bodies, and bodies are encoded.
 */
import { encodeBase64 } from "@oslojs/encoding";
import type { Mailbox, OutgoingEmail } from "../types";

const CRLF = "\r\n";
const MAX_QP_LINE = 76;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface MimeOptions {
  /** The Message-ID's unique part (default a random UUID). */
  id?: string;
  date?: Date;
  /** The multipart boundary's unique part (default random). */
  boundaryToken?: string;
}

/** The full message text, CRLF line endings, ending in CRLF (before SMTP dot-stuffing). */
export function buildMimeMessage(email: OutgoingEmail, options: MimeOptions = {}): string {
  const domain = email.from.email.slice(email.from.email.lastIndexOf("@") + 1);
  const headers: string[] = [`From: ${formatAddress(email.from)}`, `To: ${email.to.map(formatAddress).join(", ")}`];
  if (email.cc.length > 0) headers.push(`Cc: ${email.cc.map(formatAddress).join(", ")}`);
  if (email.replyTo.length > 0) headers.push(`Reply-To: ${email.replyTo.map(formatAddress).join(", ")}`);
  headers.push(
    `Subject: ${encodeHeaderText(email.subject)}`,
    `Date: ${formatDate(options.date ?? new Date())}`,
    `Message-ID: <${options.id ?? crypto.randomUUID()}@${domain}>`,
    "MIME-Version: 1.0",
  );
  for (const [name, value] of Object.entries(email.headers)) headers.push(`${name}: ${encodeHeaderText(value)}`);

  const parts: { type: string; body: string }[] = [];
  if (email.text !== undefined) parts.push({ type: "text/plain", body: email.text });
  if (email.html !== undefined) parts.push({ type: "text/html", body: email.html });

  if (parts.length === 1) {
    const [part] = parts as [{ type: string; body: string }];
    return [...headers, ...partHeaders(part.type), "", encodeQuotedPrintable(part.body), ""].join(CRLF);
  }
  // "=_" cannot occur in quoted-printable output (a literal "=" is always written "=3D"), so the
  // boundary can never appear inside a part.
  const boundary = `=_covara_${options.boundaryToken ?? crypto.randomUUID().replace(/-/g, "")}`;
  const lines = [...headers, `Content-Type: multipart/alternative; boundary="${boundary}"`, ""];
  for (const part of parts)
    lines.push(`--${boundary}`, ...partHeaders(part.type), "", encodeQuotedPrintable(part.body));
  lines.push(`--${boundary}--`, "");
  return lines.join(CRLF);
}

function partHeaders(type: string): string[] {
  return [`Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: quoted-printable"];
}

/** `"Ada Lovelace" <ada@example.com>`; a non-ASCII name becomes an encoded word. */
export function formatAddress(box: Mailbox): string {
  if (box.name === undefined) return `<${box.email}>`;
  // Validated names hold no `"` or `\`, so quoting needs no escapes.
  const phrase = PRINTABLE_ASCII.test(box.name) ? `"${box.name}"` : encodeWords(box.name);
  return `${phrase} <${box.email}>`;
}

/** Header text: as is when printable ASCII, else RFC 2047 encoded words folded onto continuation lines. */
export function encodeHeaderText(text: string): string {
  return PRINTABLE_ASCII.test(text) ? text : encodeWords(text);
}

/** `=?UTF-8?B?...?=` words of at most 45 bytes of text each (75 characters), never splitting a character. */
function encodeWords(text: string): string {
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = () => {
    if (chunk.length > 0) words.push(`=?UTF-8?B?${encodeBase64(Uint8Array.from(chunk))}?=`);
    chunk = [];
  };
  for (const char of text) {
    const bytes = encoder.encode(char);
    if (chunk.length + bytes.length > 45) flush();
    chunk.push(...bytes);
  }
  flush();
  return words.join(`${CRLF} `);
}

/**
 * Quoted-printable (RFC 2045 §6.7) of `text` as UTF-8: line breaks become CRLF, printable ASCII
 * but `=` stays literal, a space or tab before a line end is encoded, lines are soft-broken at 76.
 */
export function encodeQuotedPrintable(text: string): string {
  const encoder = new TextEncoder();
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => encodeQpLine(encoder.encode(line)))
    .join(CRLF);
}

function encodeQpLine(bytes: Uint8Array): string {
  const out: string[] = [];
  let current = "";
  bytes.forEach((byte, index) => {
    const last = index === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    // Leave room for the "=" of a soft line break.
    if (current.length + token.length > MAX_QP_LINE - 1) {
      out.push(`${current}=`);
      current = "";
    }
    current += token;
  });
  out.push(current);
  return out.join(CRLF);
}

/** RFC 5322 date in UTC: `Sun, 06 Dec 2026 13:48:01 +0000`. */
function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

/** SMTP transparency (RFC 5321 §4.5.2): a line starting with "." gets another, and the data ends with CRLF.CRLF. */
export function dotStuff(message: string): string {
  const body = message.endsWith(CRLF) ? message : message + CRLF;
  return `${body.replace(/(^|\r\n)\./g, "$1..")}.${CRLF}`;
}
