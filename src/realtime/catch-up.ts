/**
 * Bringing a new stream up to the live changelog. The subscriber is attached to its resource
 * first (entries queue in its backlog) and its cursor set to the hub's position P; then either
 *  - fresh: a snapshot is read (it reflects at least everything up to P), or
 *  - resume: entries after Last-Event-ID up to P are replayed from the changelog,
 * and finally the backlog (entries after P) is drained before the stream goes live. Entries the
 * snapshot already reflects arrive again as `changed`, which clients apply idempotently. Replay
 * and backlog go at the client's pace, after the response went out, so a long replay never
 * overflows the stream's buffer.
 */
import { ProblemError } from "../kernel/errors";
import type { Changelog, ChangelogPage } from "../kernel/changelog";
import { deliverEntry } from "./fan-out";
import type { SharedSnapshot } from "./open-cache";
import type { Registration } from "./registration";
import type { Access, AnyHookContext, IncludePlan, ListQuery, ResourceHandle } from "../resource/extension";
import type { RowSubscription } from "./row-subscription";
import { concatChunks, encodeEvent, encodeInvalidate, problemData } from "./sse-format";
import { toJson } from "../kernel/json";

type Row = Record<string, unknown>;

/** Rows replayed from the changelog per read. */
const REPLAY_PAGE = 500;

export interface CatchUpContext {
  runtime: ResourceHandle;
  registration: Registration;
  subscription: RowSubscription;
  access: Access;
  query: ListQuery;
  ctx: AnyHookContext;
  includes: readonly IncludePlan[];
  /** The hub's position when the subscriber was attached. */
  position: number;
  retryMs: number;
  /** Catching up waits while more than this many bytes wait for the client. */
  paceBytes: number;
  /** Set when the snapshot does not depend on the user: openings with the same key share it (see open-cache.ts). */
  shareKey: string | null;
}

/** The `connected` event of a fresh stream at `position` (the same bytes for every such stream). */
function connectedEvent(context: CatchUpContext): Uint8Array {
  const { registration, position, retryMs } = context;
  return registration.openCache.connectedEvent(position, () =>
    encodeEvent("connected", toJson({ seq: position, resource: registration.name }), position, retryMs),
  );
}

/** `connected`, then the snapshot: the first page of matching rows, shaped as the list endpoint shapes it. */
export async function sendSnapshot(context: CatchUpContext, withRows: boolean): Promise<void> {
  const { subscription, position, shareKey } = context;
  if (withRows && shareKey !== null) {
    // Shared: both events, joined once for every stream opened at this position.
    const connected = connectedEvent(context);
    const opening = await context.registration.openCache.snapshot(shareKey, position, async () => {
      const snapshot = await readSnapshot(context);
      return { ...snapshot, bytes: concatChunks([connected, snapshot.bytes]) };
    });
    subscription.rememberSnapshot(opening.ids);
    subscription.exact = opening.exact;
    subscription.sendOpening(opening.bytes, position);
    return;
  }
  subscription.sendOpening(connectedEvent(context), position);
  if (!withRows) {
    // Without a snapshot the server cannot know what the client holds.
    subscription.exact = false;
    return;
  }
  const snapshot = await readSnapshot(context);
  subscription.rememberSnapshot(snapshot.ids);
  subscription.exact = snapshot.exact;
  subscription.sendOpening(snapshot.bytes, position);
}

/** Reads the snapshot (its event alone): the first page of matching rows, shaped and encoded as the list endpoint shapes it. */
async function readSnapshot(context: CatchUpContext): Promise<SharedSnapshot> {
  const { runtime, access, query, ctx, includes, position } = context;
  const { info } = runtime;
  const { rows: page, hasMore, nextCursor, totalCount } = await runtime.selectPage(query, access, includes);
  const presented = await runtime.present(page, ctx, query.select);
  await runtime.attachIncludes(ctx.c, page, presented, includes);
  const items = await runtime.afterList(ctx, presented);
  const body: Row = { seq: position, items, nextCursor, hasMore };
  if (totalCount !== undefined) body.totalCount = totalCount;
  return {
    bytes: encodeEvent("snapshot", toJson(body), position),
    ids: new Set(page.map((row) => String(row[info.idKey]))),
    exact: !hasMore && query.after === null,
  };
}

/** Where a resumed stream's replay stands: the page read before the response went out. */
export interface Replay {
  page: ChangelogPage;
}

/**
 * The part of a resume that can fail the request: `connected`, the first page of entries after
 * `after`, and the rows matching now (the guess of what the client holds). A log trimmed past
 * `after` (or reset, so `after` is beyond its end) sends `invalidate` instead and returns null.
 */
export async function beginReplay(
  context: CatchUpContext,
  changelog: Changelog,
  after: number,
): Promise<Replay | null> {
  const { runtime, subscription, position } = context;
  const info = runtime.info;
  subscription.sendOpening(
    encodeEvent(
      "connected",
      toJson({ seq: position, resource: info.name, resumedFrom: after }),
      undefined,
      context.retryMs,
    ),
  );
  // Until the stream is live every non-matching change is reported removed (see docs/subscriptions.md).
  subscription.noisy = true;
  subscription.cursor = after;
  const page = await changelog.since(after, { resource: info.name, limit: REPLAY_PAGE });
  if (page.truncated) {
    // The entries the client missed are gone: it refetches, and continues from our position.
    subscription.cursor = position;
    subscription.invalidate(position, encodeInvalidate(position, "changelog-trimmed"));
  }
  await rememberMatchingRows(context);
  if (page.truncated) {
    // After refetching the client may well hold only a page of rows.
    subscription.exact = false;
    return null;
  }
  return { page };
}

/** Replays the entries up to the hub's position, at the client's pace. */
async function continueReplay(context: CatchUpContext, changelog: Changelog, replay: Replay): Promise<void> {
  const { runtime, registration, subscription, position } = context;
  let page = replay.page;
  for (;;) {
    for (const entry of page.entries) {
      if (entry.seq > position || !subscription.connection.isOpen) break;
      await subscription.connection.whenBelow(context.paceBytes);
      await deliverEntry(await registration.prepare(entry), [subscription]);
    }
    const last = page.entries[page.entries.length - 1];
    if (page.entries.length < REPLAY_PAGE || last === undefined || last.seq >= position) break;
    page = await changelog.since(page.cursor, { resource: runtime.info.name, limit: REPLAY_PAGE });
  }
  if (subscription.cursor < position) subscription.cursor = position;
}

/** Seeds the subscriber's known ids with the rows matching now (bounded by maxSnapshotRows). */
async function rememberMatchingRows(context: CatchUpContext): Promise<void> {
  const { runtime, registration, subscription, access, query } = context;
  const cap = registration.settings.maxSnapshotRows;
  const ids = await runtime.matchingIds(query, access, cap + 1);
  subscription.remember(ids.slice(0, cap).map(String), true);
  subscription.exact = ids.length <= cap;
}

/**
 * Finishes bringing a stream up to date after its response went out: the rest of a replay, then
 * the backlog, both at the client's pace; then the stream goes live.
 */
export async function finishCatchUp(
  context: CatchUpContext,
  changelog: Changelog,
  replay: Replay | null,
): Promise<void> {
  const { subscription } = context;
  try {
    if (replay) await continueReplay(context, changelog, replay);
    while (subscription.backlog.length > 0 && subscription.connection.isOpen) {
      const entry = subscription.backlog.shift()!;
      await subscription.connection.whenBelow(context.paceBytes);
      await deliverEntry(entry, [subscription]);
    }
  } catch (error) {
    context.runtime.app.logger.error("covara realtime: bringing a subscription up to date failed", error);
    const doc =
      error instanceof ProblemError
        ? error.toJSON()
        : problemData(
            "realtime-unavailable",
            "Bringing the subscription up to date failed; reconnect with Last-Event-ID to resume",
          );
    subscription.connection.end(encodeEvent("error", toJson(doc)));
  } finally {
    subscription.goLive();
  }
}
