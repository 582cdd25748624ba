/**
 * The subscription behaviour suite: every dialect, once per changelog KV (memory, Redis). It drives
 * the app only through HTTP (app.request) and reads the event stream as a client would.
 */
import { eq } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { rsql } from "../../src";
import type { KV } from "../../src/kernel/kv";
import { recordExternalMutation } from "../../src/realtime";
import { people, send } from "../helpers/app";
import { openSse, type SseEvent, type SseReader } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";
import { interactiveTransactions } from "../helpers/drivers";

const alice = { id: 1, name: "alice" };
const bob = { id: 2, name: "bob" };

/** [event, row id] of row events, for compact expectations. */
function brief(events: SseEvent[]): [string, unknown][] {
  return events.map((event) => [event.event, event.data.id]);
}

async function seed(app: { request: any }, rows: Record<string, unknown>[]): Promise<void> {
  for (const row of rows) {
    const res = await send(app, "POST", "/api/users", { body: row });
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${res.text}`);
  }
}

/** Reads the connected and snapshot events of a fresh subscription. */
async function opening(reader: SseReader): Promise<{ connected: SseEvent; snapshot: SseEvent }> {
  const [connected, snapshot] = await reader.take(2);
  expect(connected!.event).toBe("connected");
  expect(snapshot!.event).toBe("snapshot");
  return { connected: connected!, snapshot: snapshot! };
}

/** Registers the suite for one KV; `kv()` is called per test (undefined = a memory KV per hub). */
export function runSubscriptionSuite(label: string, kv: () => KV | undefined): void {
  eachDialect(`subscriptions over ${label}`, (use) => {
    const readers: SseReader[] = [];
    const open = async (app: { request: any }, path: string, options: Parameters<typeof openSse>[2] = {}) => {
      const opened = await openSse(app, path, options);
      if (opened.status === 200) readers.push(opened.reader);
      return opened;
    };
    afterEach(async () => {
      await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
      await closeLiveApps();
    });

    it("the snapshot is the list response: same rows, masking, selection and computed fields", async () => {
      const config = {
        fields: { readable: ["id", "name", "email", "age", "role", "ownerId"] as any },
        computed: { label: (row: any) => `${row.name} <${row.secret ? "has secret" : "none"}>` },
      };
      const app = liveUsersApp(use(), { kv: kv(), config });
      await seed(
        app,
        people.map((p, i) => ({ ...p, secret: `s${i}` })),
      );
      for (const query of [
        'filter=role=="user"&orderBy=name',
        "select=name,label&orderBy=age:desc",
        "filter=age>=30;age<=40",
      ]) {
        const list = await send(app, "GET", `/api/users?${query}`);
        const { snapshot } = await opening((await open(app, `/api/users/subscribe?${query}`)).reader);
        expect(snapshot.data.items).toEqual(list.body.items);
        expect(snapshot.data.hasMore).toBe(false);
        for (const item of snapshot.data.items) expect(item).not.toHaveProperty("secret");
      }
    });

    it("a row entering the filter is added, one staying is changed, one leaving or deleted is removed", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      const { reader } = await open(app, "/api/users/subscribe?filter=age>=30");
      await opening(reader);
      await seed(app, [
        { name: "Old", email: "o@x.io", age: 40 },
        { name: "Kid", email: "k@x.io", age: 10 },
      ]);
      await send(app, "PATCH", "/api/users/2", { body: { age: 35 } });
      await send(app, "PATCH", "/api/users/1", { body: { name: "Older" } });
      await send(app, "PATCH", "/api/users/1", { body: { age: 5 } });
      await send(app, "DELETE", "/api/users/2");
      const events = await reader.take(5);
      expect(brief(events)).toEqual([
        ["added", 1],
        ["added", 2],
        ["changed", 1],
        ["removed", 1],
        ["removed", 2],
      ]);
      expect(events[0]!.data.row).toMatchObject({ id: 1, name: "Old", age: 40 });
      expect(events[2]!.data.row).toMatchObject({ id: 1, name: "Older" });
      expect(events[3]!.data).not.toHaveProperty("row");
    });

    it("every event carries its changelog seq as the SSE id; connected carries the current seq", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      await seed(app, [
        { name: "A", email: "a@x.io" },
        { name: "B", email: "b@x.io" },
      ]);
      const { reader } = await open(app, "/api/users/subscribe");
      const { connected, snapshot } = await opening(reader);
      expect(connected.data).toEqual({ seq: 2, resource: "users" });
      expect(connected.id).toBe("2");
      expect(snapshot.id).toBe("2");
      await seed(app, [{ name: "C", email: "c@x.io" }]);
      await send(app, "PATCH", "/api/users/1", { body: { age: 9 } });
      const events = await reader.take(2);
      expect(events.map((event) => [event.id, event.data.seq])).toEqual([
        ["3", 3],
        ["4", 4],
      ]);
    });

    it("changes outside the subscriber's read scope never reach it; crossing the scope adds or removes", async () => {
      const app = liveUsersApp(use(), {
        kv: kv(),
        config: { auth: { public: { create: true, update: true }, read: (user) => rsql`ownerId==${user.id}` } },
      });
      await seed(app, [
        { name: "A1", email: "a1@x.io", ownerId: 1 },
        { name: "B1", email: "b1@x.io", ownerId: 2 },
      ]);
      const forAlice = (await open(app, "/api/users/subscribe", { user: alice })).reader;
      const forBob = (await open(app, "/api/users/subscribe", { user: bob })).reader;
      expect((await opening(forAlice)).snapshot.data.items.map((u: any) => u.name)).toEqual(["A1"]);
      expect((await opening(forBob)).snapshot.data.items.map((u: any) => u.name)).toEqual(["B1"]);
      await seed(app, [
        { name: "B2", email: "b2@x.io", ownerId: 2 },
        { name: "A2", email: "a2@x.io", ownerId: 1 },
      ]);
      await send(app, "PATCH", "/api/users/2", { body: { ownerId: 1 } });
      await send(app, "PATCH", "/api/users/1", { body: { ownerId: 2 } });
      expect(brief(await forAlice.take(3))).toEqual([
        ["added", 4],
        ["added", 2],
        ["removed", 1],
      ]);
      expect(brief(await forBob.take(3))).toEqual([
        ["added", 3],
        ["removed", 2],
        ["added", 1],
      ]);
      expect((await open(app, "/api/users/subscribe")).status).toBe(401);
    });

    it("hidden columns never appear in any event, and computed fields are in every event", async () => {
      const app = liveUsersApp(use(), {
        kv: kv(),
        config: {
          fields: { readable: ["id", "name"] },
          computed: { shout: (row: any) => String(row.name).toUpperCase() },
        },
      });
      const { reader } = await open(app, "/api/users/subscribe?select=name,shout");
      await opening(reader);
      await seed(app, [{ name: "ada", email: "a@x.io", secret: "x" }]);
      await send(app, "PATCH", "/api/users/1", { body: { name: "ada2", secret: "y" } });
      const events = await reader.take(2);
      expect(events.map((event) => event.data.row)).toEqual([
        { name: "ada", shout: "ADA" },
        { name: "ada2", shout: "ADA2" },
      ]);
      expect(events.map((event) => event.data.id)).toEqual([1, 1]);
    });

    it("soft-deleted rows are removed; a withDeleted subscriber sees them changed", async () => {
      const app = liveUsersApp(use(), { kv: kv(), config: { softDelete: { field: "deletedAt" } } });
      await seed(app, [{ name: "A", email: "a@x.io" }]);
      const live = (await open(app, "/api/users/subscribe")).reader;
      const all = (await open(app, "/api/users/subscribe?withDeleted=true")).reader;
      await opening(live);
      await opening(all);
      expect((await send(app, "DELETE", "/api/users/1")).status).toBe(204);
      expect(brief(await live.take(1))).toEqual([["removed", 1]]);
      const [changed] = await all.take(1);
      expect(changed!.event).toBe("changed");
      expect(changed!.data.row.deletedAt).not.toBeNull();
    });

    it.skipIf(!interactiveTransactions())(
      "batch and upsert writes arrive one event per row, in commit order",
      async () => {
        const app = liveUsersApp(use(), { kv: kv() });
        const { reader } = await open(app, "/api/users/subscribe");
        await opening(reader);
        await send(app, "POST", "/api/users/batch", {
          body: [
            { name: "A", email: "a@x.io" },
            { name: "B", email: "b@x.io" },
          ],
        });
        await send(app, "POST", "/api/users/batch/upsert", {
          body: [
            { id: 2, name: "B2", email: "b@x.io" },
            { id: 7, name: "G", email: "g@x.io" },
          ],
        });
        await send(app, "DELETE", "/api/users/batch", { body: [1, 7] });
        const events = await reader.take(6);
        expect(brief(events)).toEqual([
          ["added", 1],
          ["added", 2],
          ["changed", 2],
          ["added", 7],
          ["removed", 1],
          ["removed", 7],
        ]);
        expect(events.map((event) => event.data.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      },
    );

    it("snapshot=false sends only connected; limit cuts the snapshot and says there is more", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      await seed(app, people);
      const bare = (await open(app, "/api/users/subscribe?snapshot=false")).reader;
      expect((await bare.next()).event).toBe("connected");
      const cut = (await open(app, "/api/users/subscribe?limit=2&orderBy=name")).reader;
      const { snapshot } = await opening(cut);
      expect(snapshot.data.items.map((u: any) => u.name)).toEqual(["Ada", "Bob"]);
      expect(snapshot.data.hasMore).toBe(true);
      const next = await send(app, "GET", `/api/users?limit=2&orderBy=name&cursor=${snapshot.data.nextCursor}`);
      expect(next.body.items.map((u: any) => u.name)).toEqual(["Cy", "Dee"]);
      // A row beyond the snapshot page is new to this stream, so its first change is `added`.
      await send(app, "PATCH", "/api/users/4", { body: { age: 42 } });
      expect(brief(await cut.take(1))).toEqual([["added", 4]]);
      expect(brief(await bare.take(1))).toEqual([["added", 4]]);
    });

    it("resuming with Last-Event-ID replays exactly the missed events, then continues live", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      const first = (await open(app, "/api/users/subscribe?filter=age>=18")).reader;
      await opening(first);
      await seed(app, [{ name: "A", email: "a@x.io", age: 20 }]);
      expect(brief(await first.take(1))).toEqual([["added", 1]]);
      const lastEventId = first.lastEventId!;
      await first.cancel();

      await seed(app, [
        { name: "B", email: "b@x.io", age: 30 },
        { name: "kid", email: "k@x.io", age: 3 },
      ]);
      await send(app, "PATCH", "/api/users/1", { body: { age: 21 } });
      await send(app, "PATCH", "/api/users/2", { body: { age: 4 } });
      await send(app, "PATCH", "/api/users/3", { body: { name: "still a kid" } });

      for (const how of ["header", "query"] as const) {
        const path =
          how === "query"
            ? `/api/users/subscribe?filter=age>=18&lastEventId=${lastEventId}`
            : "/api/users/subscribe?filter=age>=18";
        const headers: Record<string, string> = how === "header" ? { "last-event-id": lastEventId } : {};
        const again = (await open(app, path, { headers })).reader;
        const [connected, ...missed] = await again.take(4);
        expect(connected!.event).toBe("connected");
        expect(connected!.id).toBeUndefined();
        expect(connected!.data.resumedFrom).toBe(Number(lastEventId));
        expect(brief(missed)).toEqual([
          ["added", 2],
          ["changed", 1],
          ["removed", 2],
        ]);
        await send(app, "PATCH", "/api/users/1", { body: { age: 22 } });
        const [live] = await again.take(1);
        expect(brief([live!])).toEqual([["changed", 1]]);
        await again.cancel();
      }
    });

    it("a changelog trimmed past Last-Event-ID sends invalidate, then live events", async () => {
      const app = liveUsersApp(use(), { kv: kv(), hub: { retention: { maxEntries: 3, trimEvery: 1 } } });
      const first = (await open(app, "/api/users/subscribe")).reader;
      await opening(first);
      await seed(app, [{ name: "A", email: "a@x.io" }]);
      await first.take(1);
      await first.cancel();
      await seed(
        app,
        ["B", "C", "D", "E", "F"].map((name) => ({ name, email: `${name}@x.io` })),
      );
      const again = (await open(app, "/api/users/subscribe", { headers: { "last-event-id": first.lastEventId! } }))
        .reader;
      const [connected, invalidate] = await again.take(2);
      expect(connected!.event).toBe("connected");
      expect(invalidate!.event).toBe("invalidate");
      expect(invalidate!.data).toEqual({ seq: 6, reason: "changelog-trimmed" });
      expect(invalidate!.id).toBe("6");
      await send(app, "PATCH", "/api/users/6", { body: { age: 1 } });
      expect(brief(await again.take(1))).toEqual([["changed", 6]]);
    });

    it("a Last-Event-ID beyond the end of the log (the log was reset) sends invalidate", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      await seed(app, [{ name: "A", email: "a@x.io" }]);
      const again = (await open(app, "/api/users/subscribe", { headers: { "last-event-id": "500" } })).reader;
      const [, invalidate] = await again.take(2);
      expect(invalidate!.data).toEqual({ seq: 1, reason: "changelog-trimmed" });
      await seed(app, [{ name: "B", email: "b@x.io" }]);
      expect(brief(await again.take(1))).toEqual([["added", 2]]);
    });

    it("heartbeats keep a quiet stream alive and move its Last-Event-ID past entries it did not need", async () => {
      const app = liveUsersApp(use(), { kv: kv(), hub: { heartbeatMs: 20 } });
      const { reader } = await open(app, "/api/users/subscribe?filter=age>100");
      await opening(reader);
      expect(reader.lastEventId).toBe("0");
      await seed(app, [
        { name: "young", email: "y@x.io", age: 1 },
        { name: "young2", email: "y2@x.io", age: 2 },
      ]);
      // The stream reaches entry 2 once it has checked it; on a slow driver that takes more than a
      // few 20 ms heartbeats, so wait for it (bounded), then check it never goes past the log.
      for (let beats = 0; beats < 100 && reader.lastEventId !== "2"; beats++) await reader.heartbeatsAfter(1);
      expect(reader.lastEventId).toBe("2");
    });

    it("recordExternalMutation makes subscribers re-read the row: added, changed, removed", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      const { reader } = await open(app, '/api/users/subscribe?filter=role=="admin"');
      await opening(reader);
      // Rows written behind covara's back, straight through Drizzle.
      const t = use();
      const db = t.db as any;
      // The row is re-read when the entry is delivered, so each step waits for its event.
      await db.insert(t.users).values({ name: "A", email: "a@x.io", role: "admin" });
      const created = await recordExternalMutation("users", "create", { objectId: 1, realtime: app.realtime });
      expect(created?.seq).toBe(1);
      const [added] = await reader.take(1);
      await db.update(t.users).set({ name: "A2" }).where(eq(t.users.id, 1));
      await recordExternalMutation("users", "update", { objectId: "1", realtime: app.realtime });
      const [changed] = await reader.take(1);
      await db.update(t.users).set({ role: "user" }).where(eq(t.users.id, 1));
      await recordExternalMutation("users", "update", { objectId: 1, realtime: app.realtime });
      const [removed] = await reader.take(1);
      expect(brief([added!, changed!, removed!])).toEqual([
        ["added", 1],
        ["changed", 1],
        ["removed", 1],
      ]);
      expect(changed!.data.row.name).toBe("A2");
      await recordExternalMutation("users", "update", { objectId: "not-a-number", realtime: app.realtime });
      expect((await reader.next()).data).toEqual({ seq: 4, reason: "unreadable-id" });
    });

    it("a live aggregate follows the writes and always equals GET /aggregate", async () => {
      const app = liveUsersApp(use(), { kv: kv(), config: { subscriptions: { aggregateIntervalMs: 5 } } });
      await seed(app, people);
      const { reader } = await open(app, "/api/users/aggregate/subscribe?groupBy=role&sum=age");
      const [, initial] = await reader.take(2);
      expect(initial!.data.groups).toEqual(
        (await send(app, "GET", "/api/users/aggregate?groupBy=role&sum=age")).body.groups,
      );
      await send(app, "PATCH", "/api/users/2", { body: { role: "admin", age: 5 } });
      const expected = (await send(app, "GET", "/api/users/aggregate?groupBy=role&sum=age")).body.groups;
      for (;;) {
        const event = await reader.next();
        expect(event.event).toBe("aggregate");
        if (JSON.stringify(event.data.groups) === JSON.stringify(expected)) break;
      }
      expect(expected).toContainEqual({ role: "admin", count: 3, sum_age: 71 });
    });

    it("past maxTrackedRows a stream stops remembering ids: creates are added, updates changed, leaving rows removed", async () => {
      const app = liveUsersApp(use(), {
        kv: kv(),
        config: { subscriptions: { maxTrackedRows: 2, maxSnapshotRows: 2 } },
      });
      const { reader } = await open(app, "/api/users/subscribe?filter=age>=10");
      await opening(reader);
      await seed(
        app,
        [1, 2, 3].map((i) => ({ name: `u${i}`, email: `u${i}@x.io`, age: 10 + i })),
      );
      await seed(app, [{ name: "young", email: "y@x.io", age: 1 }]);
      await send(app, "PATCH", "/api/users/1", { body: { name: "u1!" } });
      await send(app, "PATCH", "/api/users/2", { body: { age: 2 } });
      await send(app, "PATCH", "/api/users/4", { body: { name: "still young" } });
      // Without memory of what the client holds, a non-matching update is reported removed.
      expect(brief(await reader.take(6))).toEqual([
        ["added", 1],
        ["added", 2],
        ["added", 3],
        ["changed", 1],
        ["removed", 2],
        ["removed", 4],
      ]);
    });

    it("closing the stream unsubscribes", async () => {
      const app = liveUsersApp(use(), { kv: kv() });
      const { reader } = await open(app, "/api/users/subscribe");
      await opening(reader);
      expect(app.realtime.streamCount).toBe(1);
      await reader.cancel();
      expect(app.realtime.streamCount).toBe(0);
    });
  });
}
