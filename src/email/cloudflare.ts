/**
 * The Cloudflare Email Service adapter: sends through a Worker's `send_email` binding
 * (`[[send_email]] name = "EMAIL"` in wrangler.toml, then `env.EMAIL`) with its structured
 * message shape. No batch call exists, so batches go one message at a time.
 */
import { EmailProviderError } from "./problems";
import type { EmailAdapter, Mailbox, OutgoingEmail } from "./types";

/** An address as the binding takes it. */
export type CloudflareEmailAddress = string | { email: string; name: string };

/** The message the binding's `send()` takes (the structured form). */
export interface CloudflareEmailMessage {
  from: CloudflareEmailAddress;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  cc?: string[];
  bcc?: string[];
  replyTo?: CloudflareEmailAddress;
  headers?: Record<string, string>;
}

/** The part of the Workers `SendEmail` binding this adapter uses. */
export interface CloudflareSendEmailBinding {
  send(message: CloudflareEmailMessage): Promise<{ messageId: string } | undefined | void>;
}

export interface CloudflareEmailAdapterOptions {
  /** The `send_email` binding (`env.EMAIL`). */
  binding: CloudflareSendEmailBinding;
}

const PROVIDER = "cloudflare";

/** Creates the Cloudflare Email Service adapter. */
export function createCloudflareEmailAdapter(options: CloudflareEmailAdapterOptions): EmailAdapter {
  if (typeof options?.binding?.send !== "function") {
    throw new TypeError(
      "covara/email: createCloudflareEmailAdapter needs the send_email binding ({ binding: env.EMAIL })",
    );
  }
  const binding = options.binding;
  return {
    provider: PROVIDER,
    async send(email) {
      let answer: { messageId: string } | undefined | void;
      try {
        answer = await binding.send(toCloudflareMessage(email));
      } catch (error) {
        // The binding throws an Error with a `code` (E_SENDER_NOT_VERIFIED, E_RATE_LIMIT_EXCEEDED, ...).
        const code = (error as { code?: unknown } | null)?.code;
        const message = error instanceof Error ? error.message : String(error);
        throw new EmailProviderError(PROVIDER, "rejected", {
          message: typeof code === "string" ? `${code}: ${message}` : message,
          cause: error,
        });
      }
      const id = answer && typeof answer.messageId === "string" ? answer.messageId : "";
      return { id };
    },
  };
}

/** The binding's message for one outgoing email (exported for tests). */
export function toCloudflareMessage(email: OutgoingEmail): CloudflareEmailMessage {
  const address = (box: Mailbox): CloudflareEmailAddress =>
    box.name === undefined ? box.email : { email: box.email, name: box.name };
  const plain = (boxes: readonly Mailbox[]) => boxes.map((box) => box.email);
  if (email.replyTo.length > 1) {
    throw new EmailProviderError(PROVIDER, "rejected", {
      message: "Cloudflare Email Service takes one reply-to address",
    });
  }
  const replyTo = email.replyTo[0];
  return {
    from: address(email.from),
    to: plain(email.to),
    subject: email.subject,
    ...(email.html === undefined ? {} : { html: email.html }),
    ...(email.text === undefined ? {} : { text: email.text }),
    ...(email.cc.length > 0 ? { cc: plain(email.cc) } : {}),
    ...(email.bcc.length > 0 ? { bcc: plain(email.bcc) } : {}),
    ...(replyTo === undefined ? {} : { replyTo: address(replyTo) }),
    ...(Object.keys(email.headers).length > 0 ? { headers: { ...email.headers } } : {}),
  };
}
