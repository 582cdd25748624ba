/**
 * Delivers one prepared entry to many row subscribers. Each subscriber decides its own event, but
 * the work that does not depend on the subscriber is done once: a row is presented once per
 * presentation key and each event is encoded once, then the same bytes go to every socket.
 */
import { ProblemError } from "../kernel/errors";
import type { PreparedEntry, RowEventType, RowSubscription } from "./row-subscription";
import { encodeEvent, encodeInvalidate, problemData } from "./sse-format";
import { toJson } from "../kernel/json";

type RowEntry = Extract<PreparedEntry, { kind: "row" }>;

interface Group {
  subscribers: RowSubscription[];
  types: Exclude<RowEventType, "removed">[];
}

/**
 * Sends `entry` to each subscriber it concerns, in the order given. Resolves with the most bytes
 * it queued on one stream, which the hub adds up to decide when to let the sockets drain.
 */
export async function deliverEntry(entry: PreparedEntry, subscribers: Iterable<RowSubscription>): Promise<number> {
  if (entry.kind === "invalidate") {
    const bytes = encodeInvalidate(entry.seq, entry.reason);
    for (const subscriber of subscribers) subscriber.invalidate(entry.seq, bytes);
    return 0;
  }
  const idJson = toJson(entry.id);
  let removed: Uint8Array | undefined;
  let largest = 0;
  const groups = new Map<string, Group>();
  for (const subscriber of subscribers) {
    if (!subscriber.connection.isOpen) continue;
    const type = subscriber.decide(entry);
    if (type === null) continue;
    if (type === "removed") {
      removed ??= encodeEvent("removed", `{"seq":${entry.seq},"id":${idJson}}`, entry.seq);
      subscriber.send(removed, entry.seq);
      largest = Math.max(largest, removed.byteLength);
      continue;
    }
    let group = groups.get(subscriber.presentKey);
    if (!group) groups.set(subscriber.presentKey, (group = { subscribers: [], types: [] }));
    group.subscribers.push(subscriber);
    group.types.push(type);
  }
  for (const group of groups.values()) largest = Math.max(largest, await sendRow(entry, idJson, group));
  return largest;
}

/** Sends a row event to a group; resolves with the size of the largest event sent. */
async function sendRow(entry: RowEntry, idJson: string, group: Group): Promise<number> {
  let rowJson: string;
  try {
    rowJson = toJson(await group.subscribers[0]!.present(entry.row!));
  } catch (error) {
    // A computed field threw: the list endpoint would answer 500, so these streams end likewise.
    group.subscribers[0]!.logger.error("covara realtime: presenting a row for subscribers failed", error);
    const detail = error instanceof ProblemError ? error.message : "Presenting a changed row failed";
    const bytes = encodeEvent("error", toJson(problemData("internal-error", detail)));
    for (const subscriber of group.subscribers) subscriber.connection.end(bytes);
    return 0;
  }
  const encoded = new Map<string, Uint8Array>();
  group.subscribers.forEach((subscriber, i) => {
    const type = group.types[i]!;
    let bytes = encoded.get(type);
    if (!bytes) {
      bytes = encodeEvent(type, `{"seq":${entry.seq},"id":${idJson},"row":${rowJson}}`, entry.seq);
      encoded.set(type, bytes);
    }
    subscriber.send(bytes, entry.seq);
  });
  let largest = 0;
  for (const bytes of encoded.values()) largest = Math.max(largest, bytes.byteLength);
  return largest;
}
