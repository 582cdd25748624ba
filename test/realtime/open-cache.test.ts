/**
 * Openings of the same subscription share their snapshot while the hub stands at the same
 * position, and never across scopes: every subscriber still gets exactly what a list would show.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rsql } from "../../src";
import { send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";
import { withoutLastEventId } from "../../src/realtime/open-cache";

const readers: SseReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  await closeLiveApps();
});

async function snapshotOf(app: { request: any }, path: string, user?: Record<string, unknown>) {
  const opened = await openSse(app, path, { user });
  expect(opened.status).toBe(200);
  readers.push(opened.reader);
  return (await opened.reader.until("snapshot")).at(-1)!.data;
}

eachDialect("shared subscription snapshots", (use) => {
  it("a snapshot is reused only at the same position: a later write is in the next opening's snapshot", async () => {
    const app = liveUsersApp(use());
    await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
    const first = await snapshotOf(app, "/api/users/subscribe?filter=role==user");
    const second = await snapshotOf(app, "/api/users/subscribe?filter=role==user");
    expect(second).toEqual(first);
    await send(app, "POST", "/api/users", { body: { name: "Bob", email: "bob@x.io", role: "user" } });
    // Wait until the hub delivered the write, then open again.
    const live = await openSse(app, "/api/users/subscribe?filter=role==user&snapshot=false");
    readers.push(live.reader);
    for (let i = 0; i < 100 && (await live.reader.next()).data.seq < 2; i++);
    const third = await snapshotOf(app, "/api/users/subscribe?filter=role==user");
    expect(third.items.map((row: { name: string }) => row.name)).toEqual(["Ann", "Bob"]);
    expect(third.seq).toBe(2);
  });

  it("subscribers with different scopes never share a snapshot", async () => {
    const app = liveUsersApp(use(), {
      config: { auth: { public: { create: true }, read: (user) => rsql`ownerId==${user.id}` } },
    });
    await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", ownerId: 1 } });
    await send(app, "POST", "/api/users", { body: { name: "Bob", email: "bob@x.io", ownerId: 2 } });
    const one = await snapshotOf(app, "/api/users/subscribe", { id: 1 });
    const two = await snapshotOf(app, "/api/users/subscribe", { id: 2 });
    expect(one.items.map((row: { name: string }) => row.name)).toEqual(["Ann"]);
    expect(two.items.map((row: { name: string }) => row.name)).toEqual(["Bob"]);
  });

  it("a query string parsed for earlier openings is still checked for each: access per opening, a rejected filter stays rejected", async () => {
    const app = liveUsersApp(use(), { config: { auth: { read: () => true } } });
    const path = "/api/users/subscribe?filter=role==user";
    const signedIn = await openSse(app, path, { user: { id: 1 } });
    expect(signedIn.status).toBe(200);
    readers.push(signedIn.reader);
    expect((await openSse(app, path)).status).toBe(401);
    const codes = [];
    for (let i = 0; i < 2; i++) {
      const bad = await openSse(app, "/api/users/subscribe?filter=nope==1", { user: { id: 1 } });
      expect(bad.status).toBe(400);
      codes.push(bad.problem.code);
    }
    expect(codes).toEqual(["FILTER_PARSE_ERROR", "FILTER_PARSE_ERROR"]);
    // The parameter the stream resumes from is read per opening too.
    const resumed = await openSse(app, `${path}&lastEventId=x`, { user: { id: 1 } });
    expect(resumed.status).toBe(400);
    expect(resumed.problem.detail).toMatch(/lastEventId must be a changelog sequence number/);
    for (let i = 0; i < 2; i++) {
      const again = await openSse(app, `${path}&lastEventId=0`, { user: { id: 1 } });
      readers.push(again.reader);
      expect((await again.reader.next()).data).toMatchObject({ resumedFrom: 0 });
    }
  });

  it("streams that shared an opening each track the rows they were sent: changed, removed and added as usual", async () => {
    const app = liveUsersApp(use());
    const ann = await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", role: "user" } });
    const bob = await send(app, "POST", "/api/users", { body: { name: "Bob", email: "bob@x.io", role: "user" } });
    const opened = [];
    for (let i = 0; i < 2; i++) {
      const stream = await openSse(app, "/api/users/subscribe?filter=role==user");
      readers.push(stream.reader);
      const [connected, snapshot] = await stream.reader.take(2);
      expect(connected!.event).toBe("connected");
      expect(snapshot!.data.items.map((row: { name: string }) => row.name)).toEqual(["Ann", "Bob"]);
      opened.push(stream.reader);
    }
    await send(app, "PATCH", `/api/users/${ann.body.id}`, { body: { name: "Anna" } });
    await send(app, "PATCH", `/api/users/${bob.body.id}`, { body: { role: "admin" } });
    await send(app, "POST", "/api/users", { body: { name: "Cy", email: "cy@x.io", role: "user" } });
    for (const reader of opened) {
      const events = await reader.take(3);
      expect(events.map((event) => [event.event, event.data.id ?? event.data.row?.id])).toEqual([
        ["changed", ann.body.id],
        ["removed", bob.body.id],
        ["added", expect.anything()],
      ]);
    }
  });
});

describe("opening plans are keyed without lastEventId", () => {
  it("reconnects that differ only in ?lastEventId= share one key; other parameters keep theirs", () => {
    const base = "filter=role%3D%3Duser&snapshot=false";
    expect(withoutLastEventId(`${base}&lastEventId=12`)).toBe(base);
    expect(withoutLastEventId(`lastEventId=13&${base}`)).toBe(base);
    expect(withoutLastEventId(`${base}&lastEvent%49d=14`)).toBe(base);
    expect(withoutLastEventId(base)).toBe(base);
    expect(withoutLastEventId("filter=lastEventId==3")).toBe("filter=lastEventId==3");
    expect(withoutLastEventId("")).toBe("");
  });
});
