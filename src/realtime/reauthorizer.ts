/**
 * Keeps every open stream's identity and read scope current. Streams are grouped by credential
 * (one session = one group): each group is re-authenticated once per interval — the same
 * authentication the opening request went through — and then each stream re-resolves its scope
 * with the user as loaded now. Groups are spread over the interval, so many streams opened at
 * once (a reconnect storm) are not all re-checked at once. A revocation from the auth layer (in
 * this process, or another one through the KV) re-checks the groups concerned immediately.
 *
 * A stream whose user is no longer authenticated, or who may no longer read at all, ends with a
 * `revoked` event carrying the problem (401 / 403).
 */
import { ProblemError } from "../kernel/errors";
import {
  bridgeIdentityEvents,
  onIdentityRevoked,
  type IdentityRevocation,
  type IdentityUser,
} from "../kernel/identity-events";
import type { KV } from "../kernel/kv";
import { unref } from "../kernel/timers";
import type { CovaraEnv } from "../kernel/http";
import type { SseConnection } from "./sse-connection";
import { encodeEvent, problemData } from "./sse-format";
import { toJson } from "../kernel/json";
import { freshContext, streamContext, type StreamAuth } from "./stream-auth";
import type { Context } from "hono";
import type { Logger } from "../kernel/logger";
import { DueQueue } from "./due-queue";

/** A stream that can adopt a re-resolved identity: it re-resolves its scope with `c` (throws 401/403 problems). */
export interface Reauthorizable {
  readonly connection: SseConnection;
  reauthorize(c: Context<CovaraEnv>): Promise<void>;
}

interface Member {
  stream: Reauthorizable;
  auth: StreamAuth;
  intervalMs: number;
}

interface Group {
  key: string;
  members: Set<Member>;
  /** The smallest interval of its streams. */
  intervalMs: number;
  dueAt: number;
  running: boolean;
  /** A revocation arrived while a check ran: check again when it ends. */
  again: boolean;
  userId: string | null;
  sessionId: string | null;
}

/** The end-of-stream event of a stream whose identity or access was revoked. */
function revokedEvent(error: ProblemError): Uint8Array {
  const doc =
    error.status === 401
      ? problemData(
          "unauthorized",
          "The subscriber is no longer authenticated (signed out, session revoked or expired); authenticate again and resubscribe",
        )
      : problemData("forbidden", error.message || "The subscriber may no longer read this resource");
  return encodeEvent("revoked", toJson(doc));
}

function isAccessProblem(error: unknown): error is ProblemError {
  return error instanceof ProblemError && (error.status === 401 || error.status === 403);
}

export class Reauthorizer {
  private readonly groups = new Map<string, Group>();
  private readonly bySession = new Map<string, Set<Group>>();
  private readonly byUser = new Map<string, Set<Group>>();
  /** Groups by due time: a tick pops what is due instead of scanning every group. */
  private readonly due = new DueQueue<Group>(
    (group, dueAt) => group.dueAt === dueAt && this.groups.get(group.key) === group,
  );
  private timer: ReturnType<typeof setInterval> | undefined;
  private tickMs = 0;
  private stopListening: (() => void) | undefined;
  private releaseBridge: (() => Promise<void>) | undefined;
  private runScheduled = false;
  /** Re-authentications run so far (for the bench and tests). */
  authentications = 0;
  /** Groups a tick found due so far (for tests: a tick costs what is due, not what is open). */
  groupsTaken = 0;

  constructor(
    private readonly kv: KV,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** Number of credential groups being kept current. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Keeps `stream` authorized every `intervalMs` until its connection ends. */
  track(stream: Reauthorizable, auth: StreamAuth, intervalMs: number): void {
    if (!stream.connection.isOpen) return;
    const member: Member = { stream, auth, intervalMs };
    let group = this.groups.get(auth.groupKey);
    if (!group) {
      // The first check falls anywhere in the second half of the interval: a burst of new
      // streams is spread out, and none is re-checked right after it authenticated.
      const dueAt = Date.now() + intervalMs * (0.5 + Math.random() / 2);
      const userId = auth.identity?.userId ?? (auth.user ? String(auth.user.id) : null);
      group = {
        key: auth.groupKey,
        members: new Set(),
        intervalMs,
        dueAt,
        running: false,
        again: false,
        userId,
        sessionId: auth.identity?.sessionId ?? null,
      };
      this.groups.set(group.key, group);
      this.index(group);
      this.schedule(group, dueAt);
    } else if (intervalMs < group.intervalMs) {
      group.intervalMs = intervalMs;
      if (!group.running) this.schedule(group, Math.min(group.dueAt, Date.now() + intervalMs));
    }
    group.members.add(member);
    const joined = group;
    stream.connection.onEnd(() => this.untrack(joined, member));
    this.start(intervalMs);
  }

  /** Stops the timer and the revocation listener. */
  async close(): Promise<void> {
    this.stopTimer();
    this.stopListening?.();
    this.stopListening = undefined;
    await this.releaseBridge?.();
    this.releaseBridge = undefined;
  }

  private untrack(group: Group, member: Member): void {
    group.members.delete(member);
    if (group.members.size > 0 || this.groups.get(group.key) !== group) return;
    this.groups.delete(group.key);
    this.unindex(group);
    this.due.compact(this.groups.size);
    if (this.groups.size === 0) this.stopTimer();
  }

  private schedule(group: Group, dueAt: number): void {
    group.dueAt = dueAt;
    this.due.push(group, dueAt);
  }

  private index(group: Group): void {
    if (group.sessionId !== null) addTo(this.bySession, group.sessionId, group);
    if (group.userId !== null) addTo(this.byUser, group.userId, group);
  }

  private unindex(group: Group): void {
    if (group.sessionId !== null) removeFrom(this.bySession, group.sessionId, group);
    if (group.userId !== null) removeFrom(this.byUser, group.userId, group);
  }

  private start(intervalMs: number): void {
    if (!this.stopListening) {
      this.stopListening = onIdentityRevoked((revocation) => this.revoked(revocation));
      this.releaseBridge = bridgeIdentityEvents(this.kv, this.channel);
    }
    // Ticks often enough that the groups due are a small slice of all of them.
    const tickMs = Math.min(1000, Math.max(20, Math.floor(intervalMs / 50)));
    if (this.timer && tickMs >= this.tickMs) return;
    this.stopTimer();
    this.tickMs = tickMs;
    this.timer = unref(setInterval(() => this.runDue(), tickMs));
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.tickMs = 0;
  }

  /** The auth layer revoked a session or a user's sessions: their groups are checked now. */
  private revoked(revocation: IdentityRevocation): void {
    const now = Date.now();
    const concerned = [
      ...(revocation.sessionId !== undefined ? (this.bySession.get(revocation.sessionId) ?? []) : []),
      ...(revocation.userId !== undefined ? (this.byUser.get(revocation.userId) ?? []) : []),
    ];
    if (concerned.length === 0) return;
    for (const group of concerned) {
      if (group.running) group.again = true;
      else if (group.dueAt > now) this.schedule(group, now);
    }
    // Revocations that arrive together (a session and its user) make one check.
    if (this.runScheduled) return;
    this.runScheduled = true;
    queueMicrotask(() => {
      this.runScheduled = false;
      this.runDue();
    });
  }

  private runDue(): void {
    for (const group of this.due.takeDue(Date.now())) {
      this.groupsTaken += 1;
      if (!group.running) void this.check(group);
    }
  }

  private async check(group: Group): Promise<void> {
    group.running = true;
    group.again = false;
    try {
      const members = [...group.members];
      const first = members[0];
      if (first === undefined) return;
      const user = await this.currentUser(first.auth, members);
      if (user === undefined) return;
      await Promise.all(members.map((member) => this.reauthorize(member, user)));
    } finally {
      group.running = false;
      if (this.groups.get(group.key) === group) this.schedule(group, group.again ? 0 : Date.now() + group.intervalMs);
      if (group.again) this.runDue();
    }
  }

  /**
   * The group's user as the auth layer authenticates its credentials now: null when anonymous,
   * undefined when the check could not be made (the streams ended, or the session store failed).
   */
  private async currentUser(auth: StreamAuth, members: Member[]): Promise<IdentityUser | null | undefined> {
    const identity = auth.identity;
    if (identity === null) return auth.user;
    this.authentications += 1;
    try {
      const result = await identity.reauthenticate(freshContext(auth, null));
      if (result !== null) return result.user;
      this.endAll(members, new ProblemError("unauthorized"));
      return undefined;
    } catch (error) {
      if (isAccessProblem(error)) {
        this.endAll(members, error);
        return undefined;
      }
      // A store outage must not cut every stream: they are checked again at the next interval.
      this.logger.error(
        "covara realtime: re-authenticating a subscriber failed; its streams are kept until the next check",
        error,
      );
      return undefined;
    }
  }

  private async reauthorize(member: Member, user: IdentityUser | null): Promise<void> {
    if (!member.stream.connection.isOpen) return;
    try {
      await member.stream.reauthorize(await streamContext(member.auth, user));
    } catch (error) {
      if (isAccessProblem(error)) member.stream.connection.end(revokedEvent(error));
      else
        this.logger.error(
          "covara realtime: re-resolving a subscriber's read scope failed; the stream keeps its scope until the next check",
          error,
        );
    }
  }

  private endAll(members: Member[], error: ProblemError): void {
    const bytes = revokedEvent(error);
    for (const member of members) member.stream.connection.end(bytes);
  }
}

function addTo(map: Map<string, Set<Group>>, key: string, group: Group): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(group);
}

function removeFrom(map: Map<string, Set<Group>>, key: string, group: Group): void {
  const set = map.get(key);
  set?.delete(group);
  if (set?.size === 0) map.delete(key);
}
