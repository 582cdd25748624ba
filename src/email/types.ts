/** The types of `covara/email`: a message as an app writes it, as an adapter receives it, and the adapter contract. */

/** An address as an app writes it: `ada@example.com` or `Ada Lovelace <ada@example.com>`. */
export type EmailAddressInput = string | { email: string; name?: string };

/** One message as an app hands it to `sendEmail`. At least one of `html` and `text` is required. */
export interface EmailMessage {
  /** The sender; defaults to the `from` given to `setGlobalEmail`. */
  from?: EmailAddressInput;
  to: EmailAddressInput | readonly EmailAddressInput[];
  cc?: EmailAddressInput | readonly EmailAddressInput[];
  bcc?: EmailAddressInput | readonly EmailAddressInput[];
  replyTo?: EmailAddressInput | readonly EmailAddressInput[];
  subject: string;
  html?: string;
  text?: string;
  /** Extra headers (`List-Unsubscribe`, `X-Entity-Ref-ID`, ...). Names and values are checked. */
  headers?: Readonly<Record<string, string>>;
}

/** A checked mailbox: a valid address and an optional display name free of control characters. */
export interface Mailbox {
  email: string;
  name?: string;
}

/** A message after validation: what every adapter receives. */
export interface OutgoingEmail {
  from: Mailbox;
  to: readonly Mailbox[];
  cc: readonly Mailbox[];
  bcc: readonly Mailbox[];
  replyTo: readonly Mailbox[];
  subject: string;
  html?: string;
  text?: string;
  headers: Readonly<Record<string, string>>;
}

/** What a provider answered for one accepted message. */
export interface SentEmail {
  /** The provider's id for the message. */
  id: string;
  provider: string;
}

/** One message's outcome inside a batch, in the order the messages were given. */
export type EmailBatchItem = { index: number; ok: true; id: string } | { index: number; ok: false; error: Error };

/** The outcome of `sendEmailBatch`: one item per message, plus counts. */
export interface EmailBatchResult {
  provider: string;
  results: EmailBatchItem[];
  sent: number;
  failed: number;
}

/** The outcome an adapter reports for one message of a batch call. */
export type AdapterBatchOutcome = { ok: true; id: string } | { ok: false; error: Error };

/** A way to deliver email: Resend, Cloudflare Email Service, SMTP, or the development outbox. */
export interface EmailAdapter {
  /** The provider's name, used in errors and results (`resend`, `smtp`, ...). */
  readonly provider: string;
  /** Delivers one message, resolving to the provider's id; throws `EmailProviderError` on failure. */
  send(email: OutgoingEmail): Promise<{ id: string }>;
  /** Most messages one `sendBatch` call takes. */
  readonly batchLimit?: number;
  /**
   * Delivers up to `batchLimit` messages in one call, answering one outcome per message in order.
   * Adapters without it get their messages sent one by one.
   */
  sendBatch?(emails: readonly OutgoingEmail[]): Promise<AdapterBatchOutcome[]>;
}
