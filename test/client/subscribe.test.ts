/**
 * Subscriptions and live lists against a real server: snapshot then events, a live list kept in
 * order, invalidate refetching, resume with Last-Event-ID across a server restart with writes in
 * the gap, and malformed or unknown events skipped through onError.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CovaraClientError, createClient, liveList, where, type RowId } from "../../src/client";
import { startClientTestServer, type ClientTestServer } from "./fixtures/server";

interface User {
  id: number;
  name: string;
  email: string;
  age: number | null;
  role: string;
}

let server: ClientTestServer;
beforeAll(async () => {
  server = await startClientTestServer({
    extend: (app) => {
      // A stream with a malformed frame and an unknown event between good ones.
      app.get(
        "/api/broken/subscribe",
        () =>
          new Response(
            [
              'event: connected\nid: 1\ndata: {"seq":1,"resource":"broken"}\n\n',
              "event: added\nid: 2\ndata: {not json\n\n",
              'event: mystery\nid: 3\ndata: {"seq":3}\n\n',
              'event: added\nid: 4\ndata: {"seq":4}\n\n',
              'event: added\nid: 5\ndata: {"seq":5,"id":9,"row":{"id":9,"name":"ok"}}\n\n',
            ].join(""),
            { headers: { "content-type": "text/event-stream" } },
          ),
      );
      // A burst: snapshot and three writes arriving in one network read.
      app.get(
        "/api/burst/subscribe",
        () =>
          new Response(
            [
              'event: connected\nid: 1\ndata: {"seq":1,"resource":"burst"}\n\n',
              'event: snapshot\nid: 1\ndata: {"seq":1,"items":[{"id":1,"name":"a"}],"nextCursor":null,"hasMore":false}\n\n',
              ...[2, 3, 4].map(
                (n) => `event: added\nid: ${n}\ndata: {"seq":${n},"id":${n},"row":{"id":${n},"name":"n${n}"}}\n\n`,
              ),
            ].join(""),
            { headers: { "content-type": "text/event-stream" } },
          ),
      );
    },
  });
});
afterAll(async () => {
  await server?.close();
});

/** Polls until `check` passes (events arrive asynchronously). */
async function eventually(check: () => void, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe("subscribe", () => {
  it("delivers connected, snapshot, added, changed and removed through typed callbacks", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const seen: string[] = [];
    let connectedSeq: number | undefined;
    const sub = users.subscribe(
      { filter: where<User>().eq("role", "sub") },
      {
        onConnected: (seq) => (connectedSeq = seq),
        onSnapshot: (items) => seen.push(`snapshot:${items.length}`),
        onAdded: (row) => seen.push(`added:${row.name}`),
        onChanged: (row) => seen.push(`changed:${row.name}`),
        onRemoved: (id) => seen.push(`removed:${typeof id}`),
      },
    );
    await eventually(() => expect(seen).toEqual(["snapshot:0"]));
    const row = await users.create({ name: "S1", email: "s1@x.io", role: "sub" });
    await users.update(row.id, { name: "S1b" });
    await users.update(row.id, { role: "other" });
    await eventually(() => expect(seen).toEqual(["snapshot:0", "added:S1", "changed:S1b", "removed:number"]));
    expect(connectedSeq).toEqual(expect.any(Number));
    expect(sub.lastEventId).toMatch(/^\d+$/);
    sub.close();
  });

  it("reports a refused subscription once as a typed error and does not retry it", async () => {
    const client = createClient({ baseUrl: server.url });
    const errors: CovaraClientError[] = [];
    const sub = client.resource("/api/users").subscribe({ filter: "nope==" }, { onError: (e) => errors.push(e) });
    await eventually(() => expect(sub.status).toBe("closed"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ status: 400, code: "FILTER_PARSE_ERROR" });
  });

  it("skips a malformed frame and an unknown event type with onError, and keeps going", async () => {
    const client = createClient({ baseUrl: server.url });
    const errors: CovaraClientError[] = [];
    const added: RowId[] = [];
    const sub = client
      .resource("/api/broken")
      .subscribe({}, { onError: (e) => errors.push(e), onAdded: (_row, id) => added.push(id) });
    await eventually(() => expect(added).toEqual([9]));
    sub.close();
    expect(errors.slice(0, 3).map((e) => [e.code, e.member("event")])).toEqual([
      ["STREAM_ERROR", "added"],
      ["STREAM_ERROR", "mystery"],
      ["STREAM_ERROR", "added"],
    ]);
  });
});

describe("live list", () => {
  it("applies the events of one network read as one change (one notification, one copy of the rows)", async () => {
    const client = createClient({ baseUrl: server.url });
    const list = liveList<{ id: number; name: string }>(client, "/api/burst");
    let notifications = 0;
    list.store.subscribe(() => notifications++);
    await eventually(() => expect(list.store.items.map((row) => row.id)).toEqual([1, 2, 3, 4]));
    list.close();
    expect(notifications).toBe(1);
  });

  it("applies snapshot and events into an ordered, filtered list; invalidate refetches", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    for (const [name, age] of [
      ["L-b", 30],
      ["L-a", 20],
      ["L-c", 40],
    ] as const)
      await users.create({ name, email: `${name}@x.io`, age, role: "live" });
    const list = liveList<User>(client, "/api/users", { filter: "role==live", orderBy: "age:desc" });
    await eventually(() => expect(list.store.items.map((u) => u.name)).toEqual(["L-c", "L-b", "L-a"]));
    const d = await users.create({ name: "L-d", email: "l-d@x.io", age: 35, role: "live" });
    await users.create({ name: "other", email: "other@x.io", age: 99, role: "else" });
    await eventually(() => expect(list.store.items.map((u) => u.name)).toEqual(["L-c", "L-d", "L-b", "L-a"]));
    await users.update(d.id, { age: 10 });
    await eventually(() => expect(list.store.items.map((u) => u.name)).toEqual(["L-c", "L-b", "L-a", "L-d"]));
    await list.mutate.delete(d.id);
    expect(list.store.items.map((u) => u.name)).toEqual(["L-c", "L-b", "L-a"]);

    // A write the server cannot see (straight into the database), then invalidate: refetched.
    server.db.run(`update users set name = 'L-a*' where name = 'L-a'` as never);
    client.invalidate("/api/users");
    await eventually(() => expect(list.store.items.map((u) => u.name)).toContain("L-a*"));
    list.close();
  });

  it("resumes with Last-Event-ID after a server restart and misses no event written during the gap", async () => {
    const client = createClient({ baseUrl: server.url });
    const users = client.resource<User>("/api/users");
    const list = liveList<User>(client, "/api/users", { filter: "role==gap", orderBy: "name" });
    const statuses: string[] = [];
    const connected: { seq: number; resumedFrom?: number }[] = [];
    const sub = users.subscribe(
      { filter: "role==gap" },
      { onStatus: (s) => statuses.push(s), onConnected: (seq, info) => connected.push({ seq, ...info }) },
    );
    await eventually(() => expect(list.status).toBe("open"));
    await eventually(() => expect(sub.status).toBe("open"));
    const keep = await users.create({ name: "gap-0", email: "gap0@x.io", role: "gap" });
    await eventually(() => expect(list.store.items.map((u) => u.name)).toEqual(["gap-0"]));

    await server.restart(async (other) => {
      for (let i = 1; i <= 3; i++) {
        const res = await other.request("/api/users", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `gap-${i}`, email: `gap${i}@x.io`, role: "gap" }),
        });
        expect(res.status).toBe(201);
      }
      const res = await other.request(`/api/users/${keep.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "gap-0*" }),
      });
      expect(res.status).toBe(200);
    });

    await eventually(
      () => expect(list.store.items.map((u) => u.name)).toEqual(["gap-0*", "gap-1", "gap-2", "gap-3"]),
      15_000,
    );
    await eventually(() => expect(connected.some((c) => c.resumedFrom !== undefined)).toBe(true), 15_000);
    expect(statuses).toContain("reconnecting");
    list.close();
    sub.close();
  });
});
