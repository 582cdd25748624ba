/**
 * The development adapter: keeps sent messages in memory for inspection (tests, a local outbox
 * page) instead of delivering them. Bounded: past `limit` messages the oldest are dropped.
 */
import type { EmailAdapter, OutgoingEmail } from "./types";

/** A message the development adapter kept. */
export interface StoredEmail extends OutgoingEmail {
  id: string;
  sentAt: Date;
}

export interface DevelopmentEmailAdapter extends EmailAdapter {
  /** Kept messages, oldest first. */
  readonly messages: readonly StoredEmail[];
  /** The newest message, optionally the newest one sent to `address`. */
  latest(address?: string): StoredEmail | undefined;
  /** Forgets every kept message. */
  clear(): void;
}

export interface DevelopmentEmailAdapterOptions {
  /** Most messages kept (default 100). */
  limit?: number;
}

/** Creates the development adapter. */
export function createDevelopmentEmailAdapter(options: DevelopmentEmailAdapterOptions = {}): DevelopmentEmailAdapter {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError("covara/email: the development adapter's limit must be a positive integer");
  const messages: StoredEmail[] = [];
  return {
    provider: "development",
    messages,
    async send(email) {
      const stored: StoredEmail = { ...email, id: crypto.randomUUID(), sentAt: new Date() };
      messages.push(stored);
      if (messages.length > limit) messages.splice(0, messages.length - limit);
      return { id: stored.id };
    },
    latest(address) {
      const wanted = address?.toLowerCase();
      for (let i = messages.length - 1; i >= 0; i--) {
        const message = messages[i] as StoredEmail;
        if (
          wanted === undefined ||
          [...message.to, ...message.cc, ...message.bcc].some((box) => box.email.toLowerCase() === wanted)
        )
          return message;
      }
      return undefined;
    },
    clear() {
      messages.length = 0;
    },
  };
}
