/**
 * The emails the link-based flows send (magic link, email verification, password reset), built
 * with covara/email's `createEmail` in the theme given to `setGlobalEmail`: a heading, a sentence,
 * a button with the link, when it expires; plus the plaintext fallback. Apps replace the wording
 * through each feature's `email` option.
 */
import { createEmail, getGlobalEmail, isHttpUrl, type EmailBuilder } from "../../../email";
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

/** The default wording: a heading, one sentence, the link (a button when it is http(s)), and when it expires. */
export function defaultLinkEmail(subject: string, sentence: string, action: string): LinkEmailBuilder {
  return ({ url, expiresInMinutes }) => {
    const expiry = `The link expires in ${expiresInMinutes} minutes. If you did not ask for it, ignore this email.`;
    let builder: EmailBuilder = createEmail(getGlobalEmail()?.defaults.theme).heading(subject).text(sentence);
    // An app's buildUrl may point at a custom scheme (a mobile deep link): shown as text, not a button.
    builder = isHttpUrl(url) ? builder.button(action, url) : builder.text(url);
    const { html } = builder.text(expiry).build();
    return { subject, text: `${sentence}\n\n${url}\n\n${expiry}`, html };
  };
}

/** Builds the AuthEmail for a link with `builder`. */
export async function buildLinkEmail(
  kind: VerificationPurpose,
  builder: LinkEmailBuilder,
  input: LinkEmailInput,
): Promise<AuthEmail> {
  const content = await builder(input);
  return {
    to: input.to,
    kind,
    url: input.url,
    subject: content.subject,
    text: content.text,
    ...(content.html === undefined ? {} : { html: content.html }),
  };
}

/** Appends `token` as the `token` query parameter of `base`. */
export function withToken(base: string, token: string): string {
  return `${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}
