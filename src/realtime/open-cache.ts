/**
 * What opening a subscription computes that other openings of the same subscription can reuse.
 * After a deploy every client reconnects at once, mostly to a handful of distinct subscriptions;
 * each one must not pay for its own predicate compilation and snapshot query.
 *
 *  - The in-memory predicate (filter AND scope), by the scope and the filter: streams moved to a
 *    new scope by a re-check share the new scope's predicate too.
 *  - The snapshot, by the query string (without `lastEventId`), the scope AND the hub position it was read at: a snapshot
 *    read while the hub stood at P reflects every entry up to P, so it is exactly what another
 *    subscriber attached at P would read (later entries reach both through the changelog). Only
 *    snapshots that do not depend on the user (no computed fields, includes or onAfterList hook)
 *    are shared. Concurrent openings share one read.
 *  - What the query string alone determines (its parameters, and once the opening is authorized,
 *    the parsed list query), by the query string without `lastEventId` (withoutLastEventId).
 *  - The `connected` event, by the hub position it names.
 */
import type { RsqlPredicate } from "../kernel/rsql";
import type { IncludePlan, ListQuery } from "../resource/extension";

/** A snapshot ready to send: the encoded event(s), the ids it holds, whether it holds every match. */
export interface SharedSnapshot {
  /** Shared: the `connected` and `snapshot` events, joined. */
  bytes: Uint8Array;
  /** Read-only: streams start from it and copy only what changes (see KnownIds). */
  ids: ReadonlySet<string>;
  exact: boolean;
}

/** What the subscribe handler derives from a query string (shared by its openings, never modified). */
export interface OpeningPlan {
  query: ListQuery;
  withSnapshot: boolean;
  includes: readonly IncludePlan[];
  /** False for a soft-deleted row the subscriber does not see. */
  isLive: (row: Record<string, unknown>) => boolean;
}

/** A query string's parameters, and (`plan`) what the subscribe handler derives from them. */
export interface ParsedQueryString {
  readonly params: Readonly<Record<string, string>>;
  /** Set once an opening with this query string got past the parameter checks. */
  plan?: OpeningPlan;
}

/** A query string with a percent-encoded parameter name (which might spell `lastEventId`). */
const ENCODED_KEY = /(?:^|&)[^=&]*%/;

/** Whether one `key=value` part of a query string is `lastEventId`. */
function isLastEventIdPart(part: string): boolean {
  const key = part.slice(0, (part.indexOf("=") + 1 || part.length + 1) - 1);
  if (key === "lastEventId") return true;
  try {
    return decodeURIComponent(key.replace(/\+/g, " ")) === "lastEventId";
  } catch {
    return false;
  }
}

/**
 * The query string without `lastEventId`: what the plan and the shared snapshot depend on. A
 * client resuming through `?lastEventId=` sends a different value on every reconnect; keyed by the
 * whole query string, each reconnect would parse and plan again and fill the cache with one-offs.
 */
export function withoutLastEventId(search: string): string {
  if (!search.includes("astEventI") && !ENCODED_KEY.test(search)) return search;
  return search
    .split("&")
    .filter((part) => !isLastEventIdPart(part))
    .join("&");
}

const MAX_PREDICATES = 256;
const MAX_SNAPSHOTS = 64;
const MAX_QUERY_STRINGS = 256;

export class OpenCache {
  private readonly predicates = new Map<string, RsqlPredicate>();
  private readonly snapshots = new Map<string, { position: number; snapshot: Promise<SharedSnapshot> }>();
  private readonly queryStrings = new Map<string, ParsedQueryString>();
  private connected: { position: number; bytes: Uint8Array } | undefined;

  /** The parameters of `search` (the URL after `?`), parsed once. */
  queryString(search: string, parse: () => Record<string, string>): ParsedQueryString {
    let parsed = this.queryStrings.get(search);
    if (!parsed) {
      parsed = { params: parse() };
      if (this.queryStrings.size >= MAX_QUERY_STRINGS) this.queryStrings.delete(this.queryStrings.keys().next().value!);
      this.queryStrings.set(search, parsed);
    }
    return parsed;
  }

  /** The `connected` event of a fresh stream at `position`, encoded once per position. */
  connectedEvent(position: number, encode: () => Uint8Array): Uint8Array {
    if (this.connected?.position !== position) this.connected = { position, bytes: encode() };
    return this.connected.bytes;
  }

  /** The predicate of `key` (query string + scope), compiled once. */
  predicate(key: string, compile: () => RsqlPredicate): RsqlPredicate {
    let predicate = this.predicates.get(key);
    if (!predicate) {
      predicate = compile();
      if (this.predicates.size >= MAX_PREDICATES) this.predicates.delete(this.predicates.keys().next().value!);
      this.predicates.set(key, predicate);
    }
    return predicate;
  }

  /** The snapshot of `key` read at `position`: shared with every opening at the same position. */
  snapshot(key: string, position: number, read: () => Promise<SharedSnapshot>): Promise<SharedSnapshot> {
    const held = this.snapshots.get(key);
    if (held && held.position === position) return held.snapshot;
    const snapshot = read();
    if (!held && this.snapshots.size >= MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    this.snapshots.set(key, { position, snapshot });
    // A failed read is not kept: the next opening tries again.
    snapshot.catch(() => {
      if (this.snapshots.get(key)?.snapshot === snapshot) this.snapshots.delete(key);
    });
    return snapshot;
  }

  /** Forgets every snapshot (entries were lost; nothing read before may be reused). */
  clearSnapshots(): void {
    this.snapshots.clear();
  }
}
