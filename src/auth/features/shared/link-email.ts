/**
 * The emails the link-based flows send (magic link, email verification, password reset): a plain
 * text body and a minimal HTML body with every dynamic value escaped. Apps replace the wording
 * through each feature's `email` option.
 */
import { escapeHtml } from "../../../kernel/html";
import type { AuthEmail, VerificationPurpose } from "../../types";

/** What a custom email builder receives. */
export interface LinkEmailInput {
  to: string;
  url: string;
  /** Minutes until the link stops working. */
  expiresInMinutes: number;
}

/** The wording of one email; `html` is optional. */
export interface LinkEmailContent {
  subject: string;
  text: string;
  html?: string;
}

/** A custom email builder: return the subject and bodies for the given link. */
export type LinkEmailBuilder = (input: LinkEmailInput) => LinkEmailContent | Promise<LinkEmailContent>;

/** The default wording: one sentence, the link, and when it expires. */
export function defaultLinkEmail(subject: string, sentence: string, action: string): LinkEmailBuilder {
  return ({ url, expiresInMinutes }) => ({
    subject,
    text: `${sentence}\n\n${url}\n\nThe link expires in ${expiresInMinutes} minutes. If you did not ask for it, ignore this email.`,
    html:
      `<p>${escapeHtml(sentence)}</p><p><a href="${escapeHtml(url)}">${escapeHtml(action)}</a></p>` +
      `<p>The link expires in ${expiresInMinutes} minutes. If you did not ask for it, ignore this email.</p>`,
  });
}

/** Builds the AuthEmail for a link with `builder`. */
export async function buildLinkEmail(kind: VerificationPurpose, builder: LinkEmailBuilder, input: LinkEmailInput): Promise<AuthEmail> {
  const content = await builder(input);
  return { to: input.to, kind, url: input.url, subject: content.subject, text: content.text, ...(content.html === undefined ? {} : { html: content.html }) };
}

/** Appends `token` as the `token` query parameter of `base`. */
export function withToken(base: string, token: string): string {
  return `${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}
