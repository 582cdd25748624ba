/**
 * Pub/sub delivery shared by the KV adapters: one subscriber's fault — a throw or a rejected
 * promise — is reported and never reaches the publisher or the other subscribers.
 */
import type { KVMessageHandler } from "../kernel/kv";
import { defaultLogger } from "../kernel/context";

/** Calls one handler with a message, reporting (never rethrowing) its failure. */
export function deliverMessage(handler: KVMessageHandler, message: string, channel: string): void {
  try {
    const result: unknown = handler(message, channel);
    // An async handler's rejection is the same fault as a throw: report it, never leak it.
    if (result instanceof Promise) result.catch((error: unknown) => reportHandlerError(error, channel));
  } catch (error) {
    reportHandlerError(error, channel);
  }
}

function reportHandlerError(error: unknown, channel: string): void {
  defaultLogger().error(`covara kv: a subscriber of "${channel}" threw`, error);
}
