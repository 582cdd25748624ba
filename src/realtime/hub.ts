/**
 * The realtime hub: one changelog (in a KV) and every subscription stream of the resources
 * mounted on it. Writes are appended to the changelog; the hub receives the log in seq order (from
 * this process or, over a shared KV such as Redis, from every process) and hands each entry to the
 * resource's subscribers. It also keeps streams alive with heartbeats, catches up after pub/sub
 * outages, and ends every stream cleanly on shutdown.
 */
import { createChangelog, type Changelog, type ChangelogEntry, type ChangelogRetention } from "../kernel/changelog";
import { unref } from "../kernel/timers";
import type { KV } from "../kernel/kv";
import { onShutdown } from "../kernel/lifecycle";
import type { Mutation, MutationOp } from "../kernel/mutations";
import { createMemoryKV } from "../kv";
import { yieldToEventLoop } from "./event-loop";
import { Registration, type ResolvedSubscriptionSettings } from "./registration";
import type { ResourceHandle } from "../resource/extension";
import { toChangelogData } from "./revive";
import { markRecorded, routeResource, unrouteHub } from "./routing";
import type { LiveStream } from "./row-subscription";
import { Reauthorizer } from "./reauthorizer";
import { ChangelogSequencer } from "./sequencer";
import { encodeEvent, problemData } from "./sse-format";
import { toJson } from "../kernel/json";
import { defaultContext, defaultLogger, type CovaraContext } from "../kernel/context";
import type { Logger } from "../kernel/logger";

/**
 * Options of `createRealtime` (or `createCovara({ realtime })`): the changelog's KV and the streams' limits.
 *
 * @example
 * ```ts
 * const app = createCovara({ realtime: { kv: await createRedisKV({ url }), heartbeatMs: 20_000 } });
 * ```
 */
export interface RealtimeOptions {
  /**
   * Where the changelog lives; a Redis KV shares it (and fan-out) across processes.
   * @default a new memory KV
   */
  kv?: KV;
  /**
   * Prefix of the changelog's KV keys and channel.
   * @default "covara"
   */
  namespace?: string;
  /**
   * How many entries (and how old) the changelog keeps for resuming clients.
   * @default 10,000, no age limit
   */
  retention?: ChangelogRetention;
  /**
   * Interval of heartbeat comments on every stream, in ms.
   * @default 15,000
   */
  heartbeatMs?: number;
  /**
   * Bytes a stream may hold for a client that stopped reading before it is closed.
   * @default 256 KiB
   */
  maxBufferedBytes?: number;
  /**
   * How often the changelog is checked for entries pub/sub did not deliver, in ms.
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * How long the KV may stay unreachable before streams end with an `error` event, in ms.
   * @default 30,000
   */
  outageGraceMs?: number;
  /**
   * The reconnect delay suggested to clients (the SSE `retry:` field), in ms.
   * @default 2000
   */
  retryMs?: number;
  /**
   * How long a changelog hole may wait for its writer.
   * @default 5000; see createChangelog
   */
  gapGraceMs?: number;
  /**
   * Writes whose changelog append failed, kept to retry once the KV answers.
   * @default 10,000
   */
  maxPendingAppends?: number;
  /**
   * How long a write waits for its changelog append before its response goes out anyway, in ms
   * (default 2000). The append continues in the background and is retried if it fails, so a slow
   * or unreachable KV delays writes by at most this much.
   */
  appendTimeoutMs?: number;
  /**
   * How often an open stream's identity and read scope are resolved again, in ms (default
   * 10,000; a resource's `subscriptions.reauthorizeMs` overrides it). A revocation from the auth
   * layer is applied at once regardless.
   */
  reauthorizeMs?: number;
  /** Where the hub reports failures it survives (default: the default context's logger; createCovara passes the app's). */
  logger?: Logger;
}

export interface RealtimeSettings {
  heartbeatMs: number;
  maxBufferedBytes: number;
  pollIntervalMs: number;
  outageGraceMs: number;
  retryMs: number;
  maxPendingAppends: number;
  appendTimeoutMs: number;
  reauthorizeMs: number;
}

const DEFAULTS: RealtimeSettings = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 256 * 1024,
  pollIntervalMs: 1000,
  outageGraceMs: 30_000,
  retryMs: 2000,
  maxPendingAppends: 10_000,
  appendTimeoutMs: 2000,
  reauthorizeMs: 10_000,
};

/** What a hub stores for one change. */
interface AppendInput {
  resource: string;
  op: MutationOp;
  objectId: string;
  data?: unknown;
}

/** The realtime hub of an app (or of several processes sharing one KV). */
export class Realtime {
  readonly kv: KV;
  readonly changelog: Changelog;
  readonly settings: RealtimeSettings;
  /** Keeps open streams' identities and scopes current (see reauthorizer.ts). */
  readonly reauthorizer: Reauthorizer;
  /** Where the hub and its streams report failures they survive. */
  readonly logger: Logger;
  private readonly ownsKV: boolean;
  private readonly registrations = new Map<string, Set<Registration>>();
  private readonly streams = new Set<LiveStream>();
  private readonly entryListeners = new Set<(entry: ChangelogEntry) => void>();
  private readonly sequencer: ChangelogSequencer;
  private starting: Promise<void> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private removeShutdownHook: (() => void) | undefined;
  /** The KV failed and the failure was logged; cleared when it answers again. */
  private inOutage = false;
  private outageReported = false;
  /** When the KV last answered a poll; a KV that hangs instead of failing is an outage too. */
  private lastHealthyAt = Date.now();
  private polling = false;
  /** Bytes queued on one stream since the event loop last turned during dispatch. */
  private burstBytes = 0;
  private failedAppends: AppendInput[] = [];
  /** Where the hub is routed: app context, database, resource name. */
  private readonly routes: [CovaraContext, object, string][] = [];
  /** The apps of `routes`, each once: the feeds an external mutation is published on. */
  private readonly apps = new Set<CovaraContext>();
  private closed = false;

  constructor(options: RealtimeOptions = {}) {
    this.ownsKV = options.kv === undefined;
    this.kv = options.kv ?? createMemoryKV();
    this.changelog = createChangelog(this.kv, {
      namespace: options.namespace,
      retention: options.retention,
      gapGraceMs: options.gapGraceMs,
    });
    this.settings = { ...DEFAULTS };
    this.logger = options.logger ?? defaultLogger();
    for (const key of Object.keys(DEFAULTS) as (keyof RealtimeSettings)[]) {
      const value = options[key];
      if (value === undefined) continue;
      if (!(Number.isFinite(value) && value > 0))
        throw new TypeError(`createRealtime: ${key} must be a positive number, got ${value}`);
      this.settings[key] = value;
    }
    this.reauthorizer = new Reauthorizer(this.kv, `${options.namespace ?? "covara"}:identity-revoked`, this.logger);
    this.sequencer = new ChangelogSequencer(this.changelog, {
      deliver: (entry) => this.dispatch(entry),
      lost: async (seq) => this.invalidateEverything(seq, "changelog-trimmed"),
      failed: (error) => this.noteFailure(error),
    });
  }

  /** The highest changelog seq this hub has delivered. */
  get position(): number {
    return this.sequencer.position;
  }

  /** Open streams (row and aggregate subscriptions). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Mounts a resource on the hub: its writes are recorded and its subscribers served. */
  register(runtime: ResourceHandle, settings: ResolvedSubscriptionSettings): Registration {
    const registration = new Registration(runtime, settings);
    let set = this.registrations.get(registration.name);
    if (!set) this.registrations.set(registration.name, (set = new Set()));
    set.add(registration);
    routeResource(runtime.app, this, runtime.db, registration.name);
    this.routes.push([runtime.app, runtime.db, registration.name]);
    this.apps.add(runtime.app);
    return registration;
  }

  /** Starts receiving the changelog (once); resolves when the hub's position is known. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The realtime hub has been closed"));
    this.starting ??= this.sequencer.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Keeps a stream alive until it ends; the first stream starts the timers. */
  attach(stream: LiveStream): void {
    this.streams.add(stream);
    stream.connection.onEnd(() => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.stopTimers();
    });
    if (this.streams.size === 1 && stream.connection.isOpen) this.startTimers();
    this.removeShutdownHook ??= onShutdown(() =>
      this.endAll("reconnect", "shutting-down", "The server is shutting down; reconnect to another instance"),
    );
  }

  /** Appends committed writes to the changelog, in order. A failed append is kept and retried. */
  async appendMutations(mutations: readonly Mutation[]): Promise<void> {
    if (this.closed) return;
    // Started together: every KV serves commands in call order, so seqs follow the writes' order.
    const appends = mutations
      .map(toAppendInput)
      .map((input) => this.changelog.append(input).catch((error: unknown) => this.keepForRetry(input, error)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.appendTimeoutMs)));
    await Promise.race([Promise.all(appends), timeout]);
    clearTimeout(timer);
  }

  /**
   * Records a change made outside covara: appends it to this hub's changelog (subscribers re-read
   * the row) and publishes it on the mutation feed (query caches drop their entries).
   */
  async recordExternalMutation(
    resource: string,
    op: MutationOp,
    options: { objectId: string | number },
  ): Promise<ChangelogEntry> {
    const entry = await this.changelog.append({ resource, op, objectId: String(options.objectId) });
    const mutation: Mutation = { resource, op, id: options.objectId };
    // Already in this changelog: the feed's realtime listener must not record it a second time.
    markRecorded(mutation);
    // On the feeds of the apps the hub serves (the default context's when it serves none).
    const apps: Iterable<CovaraContext> = this.apps.size > 0 ? this.apps : [defaultContext()];
    for (const app of apps) await app.mutations.publish([mutation]);
    return entry;
  }

  /** Calls `listener` with every entry the hub delivers, from any process; returns the remover. */
  onEntry(listener: (entry: ChangelogEntry) => void): () => void {
    this.entryListeners.add(listener);
    void this.ready().catch((error: unknown) => this.noteFailure(error));
    return () => this.entryListeners.delete(listener);
  }

  /** Ends every stream with `error` and stops; closes the KV when the hub created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.endAll("error", "realtime-unavailable", "The realtime hub was closed");
    this.closed = true;
    unrouteHub(this, this.routes);
    this.stopTimers();
    this.stopPolling();
    this.removeShutdownHook?.();
    await this.reauthorizer.close();
    await this.sequencer.stop();
    if (this.ownsKV) await this.kv.close();
  }

  /** Ends every open stream with a final event. */
  endAll(event: "error" | "reconnect", problem: "realtime-unavailable" | "shutting-down", detail: string): void {
    const bytes = encodeEvent(event, toJson({ ...problemData(problem, detail), retryMs: this.settings.retryMs }));
    for (const stream of [...this.streams]) stream.connection.end(bytes);
  }

  private async dispatch(entry: ChangelogEntry): Promise<void> {
    for (const listener of this.entryListeners) {
      try {
        listener(entry);
      } catch (error) {
        this.logger.error("covara realtime: an entry listener failed", error);
      }
    }
    const registrations = this.registrations.get(entry.resource);
    if (!registrations) return;
    for (const registration of registrations) {
      try {
        this.burstBytes += await registration.dispatch(entry);
      } catch (error) {
        this.logger.error(`covara realtime: delivering ${entry.resource} #${entry.seq} failed`, error);
      }
    }
    // A burst is delivered in microtasks, so no socket drains meanwhile: after a quarter of a
    // stream's buffer, let the event loop turn so clients that keep up are not cut off.
    if (this.burstBytes >= this.settings.maxBufferedBytes / 4) {
      this.burstBytes = 0;
      await yieldToEventLoop();
    }
  }

  private invalidateEverything(seq: number, reason: string): void {
    for (const set of this.registrations.values())
      for (const registration of set) registration.invalidateAll(seq, reason);
  }

  private keepForRetry(input: AppendInput, error: unknown): void {
    this.noteFailure(error);
    if (this.failedAppends.length < this.settings.maxPendingAppends) {
      this.failedAppends.push(input);
      this.startPolling();
      return;
    }
    // Too many to keep: local subscribers of that resource must refetch instead.
    this.invalidateResource(input.resource, this.position, "changes-lost");
  }

  private invalidateResource(resource: string, seq: number, reason: string): void {
    for (const registration of this.registrations.get(resource) ?? []) registration.invalidateAll(seq, reason);
  }

  private noteFailure(error: unknown): void {
    if (this.closed) return;
    if (!this.inOutage) {
      this.inOutage = true;
      this.logger.error(
        "covara realtime: the changelog KV is unreachable; subscriptions will catch up when it is back",
        error,
      );
    }
    this.checkOutage();
  }

  /** Ends every stream once the KV has not answered for outageGraceMs: clients resume elsewhere or later. */
  private checkOutage(): void {
    if (this.outageReported || this.streams.size === 0 || Date.now() - this.lastHealthyAt < this.settings.outageGraceMs)
      return;
    this.outageReported = true;
    this.logger.error(
      `covara realtime: the changelog KV has not answered for ${Date.now() - this.lastHealthyAt} ms; ending ${this.streams.size} stream(s)`,
    );
    this.endAll(
      "error",
      "realtime-unavailable",
      "Live updates are unavailable: the changelog store cannot be reached; reconnect with Last-Event-ID to resume",
    );
  }

  private async poll(): Promise<void> {
    if (this.streams.size === 0 && this.failedAppends.length === 0) {
      this.stopPolling();
      return;
    }
    // A KV that hangs must not pile up overlapping polls.
    if (this.polling) {
      if (this.streams.size > 0) this.checkOutage();
      return;
    }
    this.polling = true;
    try {
      if (this.failedAppends.length > 0) await this.retryAppends();
      const latest = await this.changelog.latestSeq();
      this.inOutage = false;
      this.outageReported = false;
      this.lastHealthyAt = Date.now();
      // Only a started hub (one with streams) has a position worth catching up from.
      if (this.streams.size > 0 && latest > this.sequencer.position) this.sequencer.catchUp();
    } catch (error) {
      this.noteFailure(error);
    } finally {
      this.polling = false;
    }
  }

  private async retryAppends(): Promise<void> {
    while (this.failedAppends.length > 0) {
      await this.changelog.append(this.failedAppends[0]!);
      this.failedAppends.shift();
    }
  }

  private startTimers(): void {
    if (this.closed) return;
    if (this.pollTimer === undefined) this.lastHealthyAt = Date.now();
    this.heartbeatTimer ??= unref(setInterval(() => this.heartbeat(), this.settings.heartbeatMs));
    this.startPolling();
  }

  /** Polling also runs without streams while failed appends wait, so they are retried. */
  private startPolling(): void {
    if (this.closed) return;
    this.pollTimer ??= unref(setInterval(() => void this.poll(), this.settings.pollIntervalMs));
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private stopTimers(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.failedAppends.length === 0) this.stopPolling();
  }

  private heartbeat(): void {
    for (const stream of this.streams) stream.heartbeat();
  }
}

/** Creates a realtime hub (what `createCovara({ realtime })` and `subscriptions.realtime` take). */
export function createRealtime(options: RealtimeOptions = {}): Realtime {
  return new Realtime(options);
}

function toAppendInput(mutation: Mutation): AppendInput {
  const input: AppendInput = { resource: mutation.resource, op: mutation.op, objectId: String(mutation.id) };
  if (mutation.row !== undefined) input.data = toChangelogData(mutation.row);
  return input;
}
