/**
 * `covara/email/smtp`: the SMTP adapter for self-hosters. Node only (node:net, node:tls), so it
 * has its own entry point and never reaches a Workers bundle through `covara/email`.
 */
export { createSmtpAdapter } from "./adapter";
export type { SmtpAdapterOptions } from "./adapter";
