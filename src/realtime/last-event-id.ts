/**
 * Where a reconnecting client left off: the `Last-Event-ID` header (sent by EventSource on every
 * reconnect), or `?lastEventId=` for clients that cannot set headers. The header wins, since the
 * query string still holds the value of the first connection.
 */
import "./problems";
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";

const SEQ = /^\d{1,15}$/;

/**
 * The seq to resume after, or null for a fresh subscription; a malformed value is a 400.
 * `fromQuery` reads `?lastEventId=` (a caller that parsed the query string already passes it).
 */
export function parseLastEventId(
  c: Context,
  fromQuery: () => string | undefined = () => c.req.query("lastEventId"),
): number | null {
  const header = c.req.header("last-event-id");
  const source = header !== undefined && header.trim() !== "" ? "Last-Event-ID" : "lastEventId";
  const text = (source === "Last-Event-ID" ? header : fromQuery())?.trim();
  // EventSource sends an empty value after an event reset the id: that means "from now on".
  if (text === undefined || text === "") return null;
  if (!SEQ.test(text)) {
    const shown = text.length > 32 ? `${text.slice(0, 32)}…` : text;
    throw new ProblemError("invalid-event-id", {
      detail: `${source} must be a changelog sequence number (a non-negative integer), got '${shown}'`,
      extensions: { parameter: source },
    });
  }
  return Number(text);
}
