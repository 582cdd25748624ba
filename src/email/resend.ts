/**
 * The Resend adapter, over `fetch` (no SDK at runtime). One message is `POST /emails`; a batch is
 * `POST /emails/batch` with up to 100 messages and `x-batch-validation: permissive`, so Resend
 * sends the valid ones and reports the others by index. Requests match the official SDK's in
 * method, path, headers and body (test/email/resend.test.ts records both).
 */
import { formatMailbox } from "./address";
import { EmailProviderError } from "./problems";
import { postJson } from "./provider-fetch";
import type { AdapterBatchOutcome, EmailAdapter, OutgoingEmail } from "./types";
import { tracedFetch } from "../kernel/trace-context";

export interface ResendAdapterOptions {
  /** The API key (`re_...`). */
  apiKey: string;
  /** The API origin (default https://api.resend.com); a local server in tests. */
  baseUrl?: string;
  /** How long to wait for Resend (default 10 s). */
  timeoutMs?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

/** Resend's batch endpoint takes at most 100 messages. */
export const RESEND_BATCH_LIMIT = 100;
const PROVIDER = "resend";

/** Creates the Resend adapter. */
export function createResendAdapter(options: ResendAdapterOptions): EmailAdapter {
  if (typeof options?.apiKey !== "string" || options.apiKey.trim() === "") {
    throw new TypeError("covara/email: createResendAdapter needs an apiKey (set RESEND_API_KEY)");
  }
  const baseUrl = (options.baseUrl ?? "https://api.resend.com").replace(/\/+$/, "");
  const request = (path: string, body: unknown, extraHeaders: Record<string, string> = {}) =>
    postJson({
      provider: PROVIDER,
      url: `${baseUrl}${path}`,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        "content-type": "application/json",
        "user-agent": "covara",
        ...extraHeaders,
      },
      body,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch ?? tracedFetch,
    });

  return {
    provider: PROVIDER,
    batchLimit: RESEND_BATCH_LIMIT,
    async send(email) {
      return { id: idOf(await request("/emails", toResendBody(email))) };
    },
    async sendBatch(emails) {
      if (emails.length > RESEND_BATCH_LIMIT)
        throw new RangeError(`covara/email: Resend takes at most ${RESEND_BATCH_LIMIT} messages per batch`);
      const answer = await request("/emails/batch", emails.map(toResendBody), { "x-batch-validation": "permissive" });
      return batchOutcomes(answer, emails.length);
    },
  };
}

/** The JSON body Resend's API takes for one message (the SDK's field names: `reply_to`, not `replyTo`). */
export function toResendBody(email: OutgoingEmail): Record<string, unknown> {
  const list = (boxes: readonly { email: string; name?: string }[]) => boxes.map(formatMailbox);
  return {
    from: formatMailbox(email.from),
    to: list(email.to),
    subject: email.subject,
    ...(email.cc.length > 0 ? { cc: list(email.cc) } : {}),
    ...(email.bcc.length > 0 ? { bcc: list(email.bcc) } : {}),
    ...(email.replyTo.length > 0 ? { reply_to: list(email.replyTo) } : {}),
    ...(email.html === undefined ? {} : { html: email.html }),
    ...(email.text === undefined ? {} : { text: email.text }),
    ...(Object.keys(email.headers).length > 0 ? { headers: email.headers } : {}),
  };
}

function idOf(answer: unknown): string {
  const id = (answer as { id?: unknown } | null)?.id;
  if (typeof id !== "string")
    throw new EmailProviderError(PROVIDER, "rejected", { message: "the answer carried no message id" });
  return id;
}

/** `{ data: [{ id }], errors: [{ index, message }] }`: the ids belong, in order, to the messages not listed in `errors`. */
function batchOutcomes(answer: unknown, count: number): AdapterBatchOutcome[] {
  const body = (answer ?? {}) as { data?: unknown; errors?: unknown };
  const data = Array.isArray(body.data) ? body.data : [];
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const failed = new Map<number, string>();
  for (const entry of errors) {
    const { index, message } = (entry ?? {}) as { index?: unknown; message?: unknown };
    if (typeof index === "number") failed.set(index, typeof message === "string" ? message : "refused");
  }
  const outcomes: AdapterBatchOutcome[] = [];
  let next = 0;
  for (let index = 0; index < count; index++) {
    const refusal = failed.get(index);
    if (refusal !== undefined) {
      outcomes.push({ ok: false, error: new EmailProviderError(PROVIDER, "rejected", { message: refusal }) });
      continue;
    }
    const id = (data[next++] as { id?: unknown } | undefined)?.id;
    outcomes.push(
      typeof id === "string"
        ? { ok: true, id }
        : {
            ok: false,
            error: new EmailProviderError(PROVIDER, "rejected", { message: "no id for this message in the answer" }),
          },
    );
  }
  return outcomes;
}
