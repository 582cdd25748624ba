/**
 * A property: whatever the writes and wherever the client drops and resumes (Last-Event-ID), a
 * client that applies the events — snapshot, added, changed, removed, invalidate → refetch — ends
 * up holding exactly the rows a fresh list returns, and never sees an event seq twice or out of
 * order.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../helpers/app";
import { dialectTargets, type TestDatabase } from "../helpers/dialects";
import { openSse, type SseEvent, type SseReader } from "../helpers/sse";
import { closeLiveApps, liveUsersApp } from "./live-app";

type Op =
  | { kind: "create"; age: number; role: string }
  | { kind: "update"; pick: number; age?: number; role?: string }
  | { kind: "delete"; pick: number }
  | { kind: "reconnect" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      age: fc.integer({ min: 0, max: 60 }),
      role: fc.constantFrom("user", "admin"),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      pick: fc.nat(),
      age: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      role: fc.option(fc.constantFrom("user", "admin"), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ kind: "reconnect" as const }) },
);

const FILTER = "age>=30";

/** A client of the stream: the rows it holds, and what it checks about the events. */
class Client {
  rows = new Map<number, Record<string, unknown>>();
  private lastSeq = -1;
  /** The stream's Last-Event-ID once everything received was applied: what a reconnect sends. */
  lastEventId: string | undefined;
  reader!: SseReader;

  constructor(private readonly app: { request: any }) {}

  async connect(lastEventId?: string): Promise<void> {
    const headers: Record<string, string> = lastEventId === undefined ? {} : { "last-event-id": lastEventId };
    const opened = await openSse(this.app, `/api/users/subscribe?filter=${FILTER}`, { headers });
    expect(opened.status).toBe(200);
    this.reader = opened.reader;
    const connected = await this.reader.next();
    expect(connected.event).toBe("connected");
    if (lastEventId === undefined) await this.apply(await this.reader.next());
    this.lastEventId = this.reader.lastEventId;
  }

  /** Hangs up, after applying what was already received (an EventSource dispatches as it parses). */
  async disconnect(): Promise<void> {
    await this.reader.cancel();
    for (const event of this.reader.takeQueued()) await this.apply(event);
    this.lastEventId = this.reader.lastEventId;
  }

  async apply(event: SseEvent): Promise<void> {
    if (event.event !== "snapshot" && event.event !== "invalidate") {
      expect(event.data.seq).toBeGreaterThan(this.lastSeq);
      this.lastSeq = event.data.seq;
    }
    switch (event.event) {
      case "snapshot":
        this.rows = new Map(event.data.items.map((row: any) => [row.id, row]));
        break;
      case "added":
      case "changed":
        this.rows.set(event.data.id, event.data.row);
        break;
      case "removed":
        this.rows.delete(event.data.id);
        break;
      case "invalidate": {
        const list = await send(this.app, "GET", `/api/users?filter=${FILTER}&limit=100`);
        this.rows = new Map(list.body.items.map((row: any) => [row.id, row]));
        break;
      }
      default:
        throw new Error(`unexpected event ${event.event}`);
    }
  }

  /**
   * Applies events until the stream's Last-Event-ID reached `seq`: an event carrying it, or a
   * heartbeat checkpoint past entries this filter did not need.
   */
  async catchUpTo(seq: number): Promise<void> {
    for (;;) {
      for (const event of this.reader.takeQueued()) await this.apply(event);
      this.lastEventId = this.reader.lastEventId;
      if (Number(this.lastEventId ?? -1) >= seq) return;
      await this.reader.heartbeatsAfter(1, 5000);
    }
  }
}

describe("resume property", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await dialectTargets[0]!.open();
  });
  afterAll(async () => {
    await closeLiveApps();
    await database.close();
  });

  it("a client that applies the events always ends up with exactly the rows a list returns", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 2, max: 6 }),
        async (ops, retention) => {
          await database.reset();
          await closeLiveApps();
          const app = liveUsersApp(database, {
            hub: { heartbeatMs: 10, retention: { maxEntries: retention * 4, trimEvery: 1 } },
          });
          const client = new Client(app);
          await client.connect();
          const ids: number[] = [];
          let online = true;
          let n = 0;
          for (const op of ops) {
            if (op.kind === "reconnect") {
              if (online) {
                await client.disconnect();
                online = false;
              } else {
                await client.connect(client.lastEventId);
                online = true;
              }
              continue;
            }
            if (op.kind === "create") {
              const res = await send(app, "POST", "/api/users", {
                body: { name: `u${n}`, email: `u${n++}@x.io`, age: op.age, role: op.role },
              });
              ids.push(res.body.id);
            } else if (ids.length > 0) {
              const id = ids[op.pick % ids.length]!;
              if (op.kind === "update")
                await send(app, "PATCH", `/api/users/${id}`, {
                  body: {
                    ...(op.age === undefined ? {} : { age: op.age }),
                    ...(op.role === undefined ? {} : { role: op.role }),
                  },
                });
              else await send(app, "DELETE", `/api/users/${id}`);
            }
            // Read along now and then while online, so drops happen mid-stream too.
            if (online && n % 3 === 0) await client.catchUpTo(await app.realtime.changelog.latestSeq());
          }
          if (!online) await client.connect(client.lastEventId);
          // A last matching write marks the end of the history: once it arrives, everything has.
          const sentinel = await send(app, "POST", "/api/users", {
            body: { name: "end", email: `end${n}@x.io`, age: 99 },
          });
          expect(sentinel.status).toBe(201);
          await client.catchUpTo(await app.realtime.changelog.latestSeq());
          const list = await send(app, "GET", `/api/users?filter=${FILTER}&limit=100`);
          const expected = new Map(list.body.items.map((row: any) => [row.id, row]));
          expect(Object.fromEntries(client.rows)).toEqual(Object.fromEntries(expected));
          await client.reader.cancel();
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
  }, 120_000);
});
