/**
 * The problem types `covara/email` throws: bad input (addresses, header injection, unsafe builder
 * values), a provider that refused or did not answer, and sending with no adapter configured.
 */
import { defineProblemTypes, ProblemError } from "../kernel/errors";

export const EMAIL_PROBLEM_TYPES = defineProblemTypes({
  "invalid-email": { status: 400, title: "Invalid email message" },
  "email-provider-error": { status: 502, title: "Email provider error" },
  "email-not-configured": { status: 500, title: "Email is not configured" },
});

type EmailProblemTypes = typeof EMAIL_PROBLEM_TYPES;

declare global {
  interface CovaraProblemTypes extends EmailProblemTypes {}
}

/** A message, address or builder value that cannot be sent; `field` names the offending part. */
export function invalidEmail(field: string, detail: string): ProblemError {
  return new ProblemError("invalid-email", { detail, extensions: { field } });
}

/** Why a provider call failed: it answered with an error status, or it did not answer in time or at all. */
export type EmailProviderFailure = "rejected" | "timeout" | "unreachable";

/**
 * A provider refused a message or could not be reached. A 502 problem naming the provider; the
 * provider's own status and message stay on the error (for logs), not in the client's document.
 */
export class EmailProviderError extends ProblemError {
  readonly provider: string;
  readonly failure: EmailProviderFailure;
  /** The provider's HTTP status or SMTP reply code, when it answered. */
  readonly providerStatus: number | undefined;
  /** The provider's own error message, when it gave one. */
  readonly providerMessage: string | undefined;

  constructor(
    provider: string,
    failure: EmailProviderFailure,
    options: { status?: number; message?: string; cause?: unknown } = {},
  ) {
    const what =
      failure === "timeout"
        ? `${provider} did not answer in time`
        : failure === "unreachable"
          ? `${provider} could not be reached`
          : `${provider} refused the message${options.status === undefined ? "" : ` (${options.status})`}`;
    super("email-provider-error", { detail: what, extensions: { provider }, cause: options.cause });
    this.name = "EmailProviderError";
    this.provider = provider;
    this.failure = failure;
    this.providerStatus = options.status;
    this.providerMessage = options.message;
  }
}
