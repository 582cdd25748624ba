/**
 * `covara/email`: one `EmailAdapter` interface with Resend, Cloudflare Email Service and
 * development adapters (SMTP is `covara/email/smtp`, Node only), the app-wide adapter
 * (`setGlobalEmail`), `sendEmail` / `sendEmailBatch`, and the `createEmail` template builder.
 */
export { setGlobalEmail, getGlobalEmail } from "./global";
export type { GlobalEmail, GlobalEmailDefaults } from "./global";
export { sendEmail, sendEmailBatch } from "./send";
export type { SendEmailOptions } from "./send";
export { validateEmailMessage, MAX_RECIPIENTS, MAX_SUBJECT_LENGTH } from "./message";
export { EMAIL_PROBLEM_TYPES, EmailProviderError } from "./problems";
export type { EmailProviderFailure } from "./problems";
export { createResendAdapter, RESEND_BATCH_LIMIT } from "./resend";
export type { ResendAdapterOptions } from "./resend";
export { createCloudflareEmailAdapter } from "./cloudflare";
export type {
  CloudflareEmailAdapterOptions,
  CloudflareEmailAddress,
  CloudflareEmailMessage,
  CloudflareSendEmailBinding,
} from "./cloudflare";
export { createDevelopmentEmailAdapter } from "./development";
export type { DevelopmentEmailAdapter, DevelopmentEmailAdapterOptions, StoredEmail } from "./development";
export { createEmail, EmailBuilder } from "./builder/create-email";
export type { BuiltEmail, ImageOptions } from "./builder/create-email";
export type { EmailTheme } from "./builder/theme";
export { isHttpUrl } from "./builder/url";
export type {
  AdapterBatchOutcome,
  EmailAdapter,
  EmailAddressInput,
  EmailBatchItem,
  EmailBatchResult,
  EmailMessage,
  Mailbox,
  OutgoingEmail,
  SentEmail,
} from "./types";
