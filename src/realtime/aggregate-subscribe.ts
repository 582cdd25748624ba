/**
 * GET /aggregate/subscribe — the aggregate of GET /aggregate, pushed again whenever the resource
 * changes. It takes the same parameters and runs the very same handler (access, parsing, SQL,
 * having, ordering), so the live result always equals a fresh GET /aggregate. Bursts of writes
 * are coalesced: at most one recompute per `aggregateIntervalMs` per subscription, and an
 * unchanged result is not sent again.
 */
import type { Context } from "hono";
import { ProblemError } from "../kernel/errors";
import type { Realtime } from "./hub";
import { parseLastEventId } from "./last-event-id";
import type { AggregateListener, Registration } from "./registration";
import type { CovaraEnv } from "../kernel/http";
import type { ResourceHandle } from "../resource/extension";
import type { LiveStream } from "./row-subscription";
import { SseConnection } from "./sse-connection";
import { encodeEvent, encodeHeartbeat, problemData } from "./sse-format";
import { toJson } from "../kernel/json";
import { captureStreamAuth } from "./stream-auth";
import { eventStreamResponse, readyHub, refuseWhileShuttingDown } from "./stream-setup";

/** The groups GET /aggregate answers for the request, as JSON; throws its problem (400, 401, 403) like the endpoint does. */
async function computeGroups(runtime: ResourceHandle, c: Context<CovaraEnv>): Promise<string> {
  return toJson(await runtime.aggregate(c));
}

class AggregateSubscription implements LiveStream, AggregateListener {
  private latestSeq = 0;
  private dirty = false;
  private running = false;
  private lastRun = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly connection: SseConnection,
    private readonly runtime: ResourceHandle,
    private c: Context<CovaraEnv>,
    private readonly intervalMs: number,
    private lastGroups: string,
  ) {
    connection.onEnd(() => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    });
  }

  start(position: number): void {
    this.latestSeq = position;
    this.lastRun = Date.now();
    this.connection.send(encodeEvent("aggregate", `{"seq":${position},"groups":${this.lastGroups}}`, position));
  }

  touch(seq: number): void {
    if (seq > this.latestSeq) this.latestSeq = seq;
    this.dirty = true;
    this.schedule();
  }

  heartbeat(): void {
    this.connection.send(encodeHeartbeat());
  }

  /**
   * Adopts the subscriber's identity as resolved now: the aggregate is computed again for it (a
   * 401/403 problem ends the stream with `revoked`), and later recomputes use it.
   */
  async reauthorize(c: Context<CovaraEnv>): Promise<void> {
    const groups = await computeGroups(this.runtime, c);
    this.c = c;
    if (groups === this.lastGroups || !this.connection.isOpen) return;
    this.lastGroups = groups;
    this.connection.send(encodeEvent("aggregate", `{"seq":${this.latestSeq},"groups":${groups}}`, this.latestSeq));
  }

  private schedule(): void {
    if (this.timer || this.running || !this.connection.isOpen) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs - Date.now());
    this.timer = setTimeout(() => void this.recompute(), wait);
  }

  private async recompute(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    this.dirty = false;
    // Every entry up to here was committed before the query below runs, so the result reflects it.
    const seq = this.latestSeq;
    let groups: string;
    try {
      groups = await computeGroups(this.runtime, this.c);
    } catch (error) {
      const doc =
        error instanceof ProblemError
          ? error.toJSON()
          : problemData("internal-error", "Recomputing the aggregate failed");
      if (!(error instanceof ProblemError) || error.status >= 500)
        this.runtime.app.logger.error("covara realtime: recomputing a live aggregate failed", error);
      this.connection.end(encodeEvent("error", toJson(doc)));
      return;
    } finally {
      this.running = false;
      this.lastRun = Date.now();
    }
    if (groups !== this.lastGroups && this.connection.isOpen) {
      this.lastGroups = groups;
      this.connection.send(encodeEvent("aggregate", `{"seq":${seq},"groups":${groups}}`, seq));
    }
    if (this.dirty) this.schedule();
  }
}

/** GET /aggregate/subscribe */
export async function subscribeAggregate(
  runtime: ResourceHandle,
  registration: Registration,
  hub: Realtime,
  c: Context<CovaraEnv>,
): Promise<Response> {
  refuseWhileShuttingDown(hub);
  // Validated like the row stream's; an aggregate resumes by being recomputed, so it is not replayed.
  parseLastEventId(c);
  const first = await computeGroups(runtime, c);
  await readyHub(hub);
  const connection = new SseConnection(hub.settings.maxBufferedBytes, runtime.app.logger);
  const subscription = new AggregateSubscription(
    connection,
    runtime,
    c,
    registration.settings.aggregateIntervalMs,
    first,
  );
  registration.aggregates.add(subscription);
  connection.onEnd(() => registration.aggregates.delete(subscription));
  const position = hub.position;
  connection.send(
    encodeEvent("connected", toJson({ seq: position, resource: runtime.name }), position, hub.settings.retryMs),
  );
  subscription.start(position);
  // Writes between the first computation and attaching were not heard: check once more.
  subscription.touch(position);
  hub.attach(subscription);
  hub.reauthorizer.track(subscription, await captureStreamAuth(c), registration.settings.reauthorizeMs);
  return eventStreamResponse(c.req.raw, connection);
}
