/**
 * `sendEmail` and `sendEmailBatch`: validate, then hand the messages to an adapter (the global one
 * unless one is given). A batch is cut into chunks of the adapter's batch limit; a message that
 * fails validation, or a chunk the provider refuses, fails only those messages, and every message
 * gets its own outcome in the result.
 */
import { getGlobalEmail } from "./global";
import { validateEmailMessage } from "./message";
import { ProblemError } from "../kernel/errors";
import type {
  EmailAdapter,
  EmailAddressInput,
  EmailBatchItem,
  EmailBatchResult,
  EmailMessage,
  OutgoingEmail,
  SentEmail,
} from "./types";
import "./problems";

/** Per-call options: another adapter than the global one, or another default sender. */
export interface SendEmailOptions {
  adapter?: EmailAdapter;
  from?: EmailAddressInput;
}

function resolve(options: SendEmailOptions): { adapter: EmailAdapter; from: EmailAddressInput | undefined } {
  const global = getGlobalEmail();
  const adapter = options.adapter ?? global?.adapter;
  if (adapter === undefined) {
    throw new ProblemError("email-not-configured", {
      detail: "No email adapter: call setGlobalEmail(adapter) at start-up or pass { adapter }",
    });
  }
  return { adapter, from: options.from ?? global?.defaults.from };
}

/** Sends one message; throws an `invalid-email` problem for bad input and `EmailProviderError` when the provider fails. */
export async function sendEmail(message: EmailMessage, options: SendEmailOptions = {}): Promise<SentEmail> {
  const { adapter, from } = resolve(options);
  const email = validateEmailMessage(message, from);
  const { id } = await adapter.send(email);
  return { id, provider: adapter.provider };
}

/**
 * Sends many messages, in chunks of the adapter's batch limit (one by one for adapters without a
 * batch call). Never throws for a message's failure: each one is reported in `results`.
 */
export async function sendEmailBatch(
  messages: readonly EmailMessage[],
  options: SendEmailOptions = {},
): Promise<EmailBatchResult> {
  if (!Array.isArray(messages)) throw new TypeError("covara/email: sendEmailBatch takes an array of messages");
  const { adapter, from } = resolve(options);
  const results: EmailBatchItem[] = new Array(messages.length);
  const valid: { index: number; email: OutgoingEmail }[] = [];
  messages.forEach((message, index) => {
    try {
      valid.push({ index, email: validateEmailMessage(message, from) });
    } catch (error) {
      results[index] = { index, ok: false, error: asError(error) };
    }
  });

  if (adapter.sendBatch) {
    const limit = Math.max(1, Math.floor(adapter.batchLimit ?? 100));
    for (let start = 0; start < valid.length; start += limit) {
      const chunk = valid.slice(start, start + limit);
      await sendChunk(adapter, chunk, results);
    }
  } else {
    for (const { index, email } of valid) {
      try {
        results[index] = { index, ok: true, id: (await adapter.send(email)).id };
      } catch (error) {
        results[index] = { index, ok: false, error: asError(error) };
      }
    }
  }
  const sent = results.filter((item) => item.ok).length;
  return { provider: adapter.provider, results, sent, failed: results.length - sent };
}

async function sendChunk(
  adapter: EmailAdapter,
  chunk: { index: number; email: OutgoingEmail }[],
  results: EmailBatchItem[],
): Promise<void> {
  try {
    const outcomes = await adapter.sendBatch!(chunk.map((entry) => entry.email));
    chunk.forEach(({ index }, position) => {
      const outcome = outcomes[position];
      results[index] =
        outcome === undefined
          ? {
              index,
              ok: false,
              error: new TypeError(`covara/email: ${adapter.provider} reported no outcome for this message`),
            }
          : outcome.ok
            ? { index, ok: true, id: outcome.id }
            : { index, ok: false, error: outcome.error };
    });
  } catch (error) {
    // The whole call failed (5xx, timeout, refused batch): every message of this chunk failed with it.
    for (const { index } of chunk) results[index] = { index, ok: false, error: asError(error) };
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
