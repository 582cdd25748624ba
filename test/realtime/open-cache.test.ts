/**
 * Openings of the same subscription share their snapshot while the hub stands at the same
 * position, and never across scopes: every subscriber still gets exactly what a list would show.
 */
import { afterEach, expect, it } from "vitest";
import { rsql } from "../../src";
import { send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

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
    const app = liveUsersApp(use(), { config: { auth: { public: { create: true }, read: (user) => rsql`ownerId==${user.id}` } } });
    await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io", ownerId: 1 } });
    await send(app, "POST", "/api/users", { body: { name: "Bob", email: "bob@x.io", ownerId: 2 } });
    const one = await snapshotOf(app, "/api/users/subscribe", { id: 1 });
    const two = await snapshotOf(app, "/api/users/subscribe", { id: 2 });
    expect(one.items.map((row: { name: string }) => row.name)).toEqual(["Ann"]);
    expect(two.items.map((row: { name: string }) => row.name)).toEqual(["Bob"]);
  });
});
