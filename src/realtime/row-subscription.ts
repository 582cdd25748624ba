/**
 * One `GET /subscribe` stream: the subscriber's filter AND read scope as an in-memory predicate,
 * the ids it has been sent, and the decision of which event (if any) a changelog entry becomes
 * for it. A row that enters the subscription is `added`, one that stays is `changed`, one that
 * leaves (filter, scope, soft delete or delete) is `removed`.
 */
import type { Context } from "hono";
import type { ChangelogOp } from "../kernel/changelog";
import type { RsqlPredicate } from "../kernel/rsql";
import type { CovaraEnv } from "../kernel/http";
import type { AnyHookContext, IncludePlan, ResourceHandle } from "../resource/extension";
import { KnownIds } from "./known-ids";
import type { Logger } from "../kernel/logger";
import type { SseConnection } from "./sse-connection";
import { encodeEvent, encodeHeartbeat, encodeInvalidate, problemData } from "./sse-format";
import { toJson } from "../kernel/json";
import { createPrincipal } from "../kernel/principal";

type Row = Record<string, unknown>;

/** A changelog entry made ready for one resource: the row revived (or re-read), or an invalidation. */
export type PreparedEntry =
  | { kind: "row"; seq: number; op: ChangelogOp; id: unknown; key: string; row: Row | null }
  | { kind: "invalidate"; seq: number; reason: string };

export type RowEventType = "added" | "changed" | "removed";

/** Anything the hub keeps alive with heartbeats and ends on shutdown or outage. */
export interface LiveStream {
  readonly connection: SseConnection;
  heartbeat(): void;
}

export interface RowSubscriptionInit {
  readonly connection: SseConnection;
  readonly runtime: ResourceHandle;
  /**
   * The hook context computed fields and included relations need; held only when there are any,
   * so that otherwise a long-lived stream does not pin its request, headers and Hono context.
   */
  ctx: AnyHookContext | null;
  select: string[] | null;
  /** Relations embedded in every row (`?include=`), loaded per subscriber under its scopes. */
  includes: readonly IncludePlan[];
  /** Filter AND read scope. */
  matches: RsqlPredicate;
  /** False for a soft-deleted row the subscriber does not see. */
  isLive: (row: Row) => boolean;
  /** Subscribers with the same key receive byte-identical rows, so a row is presented once for them. */
  presentKey: string;
  /** Most ids remembered; past it the stream stops remembering (see `tracking`). */
  maxTrackedRows: number;
  /** Identifies the read scope `matches` was built with: a different one means the scope changed. */
  scopeKey: string;
  /** Resolves the read scope again for a fresh context (throws the 401/403 problem the list would answer). */
  rescope(c: Context<CovaraEnv>): Promise<Rescoped>;
}

/** A read scope resolved again: its key, its predicate (compiled only if the scope changed), the hook context to present with. */
export interface Rescoped {
  matches: () => RsqlPredicate;
  scopeKey: string;
  ctx: AnyHookContext | null;
}

const contextFreeByRuntime = new WeakMap<ResourceHandle, AnyHookContext>();

/**
 * The hook context of a stream without computed fields or includes: presentRows reads the context
 * only to call computed fields, so such a stream is presented without the request's.
 */
function contextFree(runtime: ResourceHandle): AnyHookContext {
  let ctx = contextFreeByRuntime.get(runtime);
  if (!ctx) {
    ctx = {
      c: undefined as never,
      user: null,
      principal: createPrincipal(null),
      resource: runtime.name,
      table: runtime.table,
      db: runtime.db,
      operation: "list",
    };
    contextFreeByRuntime.set(runtime, ctx);
  }
  return ctx;
}

let cachedHeartbeat: { id: number; bytes: Uint8Array } | undefined;

/** Entries a stream may queue while it catches up before it counts as too slow. */
const MAX_BACKLOG = 10_000;

export class RowSubscription implements LiveStream {
  readonly connection: SseConnection;
  readonly presentKey: string;
  /** The last changelog seq this subscriber has dealt with. */
  cursor = 0;
  /** While true, the hub queues entries in `backlog` instead of delivering them. */
  catchingUp = true;
  backlog: PreparedEntry[] = [];
  /**
   * Whether `known` lists every row the client holds. When it does not (the snapshot was cut,
   * skipped, or the stream resumed), a row leaving the subscription is reported even if the
   * client may never have had it; clients ignore removals of unknown ids.
   */
  exact = true;
  /** During a resume's catch-up every non-matching row is reported removed (see subscribe docs). */
  noisy = false;
  private readonly known = new KnownIds();
  /**
   * False once more rows were sent than `maxTrackedRows`: memory stays bounded, and from then on
   * an update is sent as `changed`, a create as `added`, and any non-matching change as `removed`.
   */
  private tracking = true;
  /** Known ids that are only a guess (rows matching at resume) and have had no event since. */
  private guessed: Set<string> | undefined;
  /** During a resume's catch-up: rows created since the client left that it never got. */
  private createdUnseen: Set<string> | undefined;
  private lastSentId = -1;
  private matches: RsqlPredicate;
  private scopeKey: string;

  /** The logger of the app the resource belongs to. */
  get logger(): Logger {
    return this.init.runtime.app.logger;
  }

  constructor(private readonly init: RowSubscriptionInit) {
    this.connection = init.connection;
    this.presentKey = init.presentKey;
    this.matches = init.matches;
    this.scopeKey = init.scopeKey;
  }

  /**
   * Adopts the subscriber's identity as resolved now. The same scope changes nothing (the hook
   * context is refreshed, so computed fields and includes see the current user). A different
   * scope applies to every later change, and the client is sent `invalidate` (reason
   * `scope-changed`): it may hold rows it can no longer see, which only a refetch removes.
   */
  async reauthorize(c: Context<CovaraEnv>): Promise<void> {
    const next = await this.init.rescope(c);
    if (this.init.ctx && next.ctx) this.init.ctx = next.ctx;
    if (next.scopeKey === this.scopeKey || !this.connection.isOpen) return;
    this.matches = next.matches();
    this.scopeKey = next.scopeKey;
    const seq = this.cursor;
    if (this.catchingUp) this.queueBacklog({ kind: "invalidate", seq, reason: "scope-changed" });
    else this.invalidate(seq, encodeInvalidate(seq, "scope-changed"));
  }

  /** Ends the catch-up: from now on the known ids decide alone. */
  goLive(): void {
    this.backlog = [];
    this.noisy = false;
    this.createdUnseen = undefined;
    this.catchingUp = false;
  }

  /** Records the ids of the snapshot the client was sent (a set shared with other streams, never modified). */
  rememberSnapshot(ids: ReadonlySet<string>): void {
    this.known.adopt(ids);
  }

  /** Records ids the client holds: sent in the snapshot, or (`guess`) matching when it resumed. */
  remember(keys: Iterable<string>, guess = false): void {
    for (const key of keys) {
      this.known.add(key);
      if (guess) (this.guessed ??= new Set()).add(key);
    }
  }

  /** What `entry` means for this subscriber; advances the cursor. */
  decide(entry: Extract<PreparedEntry, { kind: "row" }>): RowEventType | null {
    if (entry.seq <= this.cursor) return null;
    this.cursor = entry.seq;
    // A row created since a resumed client left cannot be on it yet, even though it is among the
    // rows that matched when the stream resumed.
    if (entry.op === "create" && (this.noisy || this.guessed?.has(entry.key))) this.known.delete(entry.key);
    this.guessed?.delete(entry.key);
    const row = entry.row;
    const visible = row !== null && this.init.isLive(row) && this.matches(row);
    if (!this.tracking) {
      if (visible) return entry.op === "create" ? "added" : "changed";
      return entry.op === "create" ? null : "removed";
    }
    if (visible && !this.known.has(entry.key) && this.known.size >= this.init.maxTrackedRows) {
      this.known.clear();
      this.guessed = undefined;
      this.tracking = false;
      this.exact = false;
      return entry.op === "create" ? "added" : "changed";
    }
    if (visible) {
      const wasKnown = this.known.has(entry.key);
      this.known.add(entry.key);
      return wasKnown ? "changed" : "added";
    }
    if (this.known.delete(entry.key)) return "removed";
    // A row created without matching was never on the client, and stays off it until it matches.
    if (entry.op === "create") {
      if (this.noisy) (this.createdUnseen ??= new Set()).add(entry.key);
      return null;
    }
    if (this.noisy) return this.createdUnseen?.has(entry.key) ? null : "removed";
    return this.exact ? null : "removed";
  }

  /**
   * Shapes a row exactly as the list endpoint does, included relations too: each relation is
   * loaded for this subscriber with the target's read scope resolved for its user on every push.
   */
  async present(row: Row): Promise<Row> {
    const { runtime, ctx, select, includes } = this.init;
    const presented = await runtime.present([row], ctx ?? contextFree(runtime), select);
    if (includes.length > 0 && ctx) await runtime.attachIncludes(ctx.c, [row], presented, includes);
    return presented[0]!;
  }

  /** Sends an encoded event; `id` is the seq it carries. */
  send(bytes: Uint8Array, id?: number): void {
    if (id !== undefined) this.lastSentId = Math.max(this.lastSentId, id);
    this.connection.send(bytes);
  }

  /** Sends an opening event (connected, snapshot): the client has not had a chance to read yet. */
  sendOpening(bytes: Uint8Array, id?: number): void {
    if (id !== undefined) this.lastSentId = Math.max(this.lastSentId, id);
    this.connection.send(bytes, false);
  }

  /** Holds an entry that arrived while catching up; a backlog that keeps growing means too slow. */
  queueBacklog(entry: PreparedEntry): void {
    if (this.backlog.length < MAX_BACKLOG) {
      this.backlog.push(entry);
      return;
    }
    const detail = `The subscription fell ${MAX_BACKLOG} changes behind while catching up; reconnect with Last-Event-ID to resume`;
    this.connection.end(encodeEvent("error", toJson(problemData("slow-consumer", detail, { backlog: MAX_BACKLOG }))));
  }

  /** Tells the client to refetch: the server lost track of what it holds. `event` is `encodeInvalidate(seq, …)`, encoded once per fan-out. */
  invalidate(seq: number, event: Uint8Array): void {
    if (seq > this.cursor) this.cursor = seq;
    this.known.clear();
    this.guessed = undefined;
    this.exact = false;
    this.send(event, seq);
  }

  heartbeat(): void {
    if (this.catchingUp || this.cursor <= this.lastSentId) {
      this.connection.send(encodeHeartbeat());
      return;
    }
    if (cachedHeartbeat?.id !== this.cursor) cachedHeartbeat = { id: this.cursor, bytes: encodeHeartbeat(this.cursor) };
    this.send(cachedHeartbeat.bytes, this.cursor);
  }
}
