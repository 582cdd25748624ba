/**
 * SSE subscriptions on Workers across isolates: the same covara app runs as two Workers ("a" and
 * "b", two isolates) sharing one D1 database and one CovaraKVDurableObject, hosted by a third.
 * A write through one isolate reaches subscribers held by the other; a client resumes with
 * Last-Event-ID from the changelog in the object; a reset of the object mid-subscription is
 * repaired, and a client whose position the object no longer knows gets `invalidate`. A rate
 * limit whose counter lives in the object counts requests of both isolates in one window.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse } from "../helpers/sse";
import { bundleFixture, COMPATIBILITY } from "./harness";

let mf: Miniflare;

/** The app as seen through one isolate. */
function isolate(name: "a" | "b") {
  return {
    request: async (path: string, init?: RequestInit) => {
      const response = await mf.dispatchFetch(`http://${name}.test${path}`, init as never);
      return response as unknown as Response;
    },
  };
}

async function createNote(via: "a" | "b", title: string): Promise<{ id: number }> {
  const response = await isolate(via).request("/api/notes", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: number };
}

/** Asks the host Worker to act on the KV object (`abort`: reset it; `clear`: wipe its storage). */
async function objectControl(action: "abort" | "clear"): Promise<void> {
  await mf.dispatchFetch(`http://host.test/do/covara/test/${action}`).catch(() => undefined);
}

beforeAll(async () => {
  const [host, app] = await Promise.all([bundleFixture("kv-host"), bundleFixture("realtime-app")]);
  const kvBinding = { COVARA_KV: { className: "TestKVObject", scriptName: "host", useSQLite: true } };
  // Modules listed explicitly: Miniflare's own module walk refuses the bundle's computed
  // import() (file routes' loader, never called on Workers), as wrangler's upload does not.
  const appWorker = {
    modules: [{ type: "ESModule" as const, path: "app.mjs", contents: app }],
    ...COMPATIBILITY,
    d1Databases: { DB: "shared-notes" },
    durableObjects: kvBinding,
  };
  mf = new Miniflare({
    workers: [
      { name: "a", routes: ["a.test/*"], ...appWorker },
      { name: "b", routes: ["b.test/*"], ...appWorker },
      {
        name: "host",
        routes: ["host.test/*"],
        modules: true,
        script: host,
        ...COMPATIBILITY,
        durableObjects: { KV: { className: "TestKVObject", useSQLite: true } },
      },
    ],
  });
  const db = await mf.getD1Database("DB", "a");
  await db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL)");
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
});

describe("subscriptions across Worker isolates through the Durable Object KV", () => {
  it("a write through isolate a reaches subscribers held by isolate b and by a itself", async () => {
    const onB = (await openSse(isolate("b"), "/api/notes/subscribe")).reader;
    const onA = (await openSse(isolate("a"), "/api/notes/subscribe")).reader;
    await onB.until("snapshot");
    await onA.until("snapshot");
    const note = await createNote("a", "from a");
    const [addedOnB] = (await onB.until("added")).slice(-1);
    const [addedOnA] = (await onA.until("added")).slice(-1);
    expect(addedOnB?.data.row).toEqual({ id: note.id, title: "from a" });
    expect(addedOnA?.data.row).toEqual({ id: note.id, title: "from a" });
    await onA.cancel();
    await onB.cancel();
  });

  it("resumes with Last-Event-ID on the other isolate: the missed writes arrive, nothing twice", async () => {
    const first = (await openSse(isolate("b"), "/api/notes/subscribe")).reader;
    await first.until("snapshot");
    await createNote("a", "seen live");
    await first.until("added");
    const lastEventId = first.lastEventId;
    await first.cancel();
    const missed = [await createNote("b", "missed 1"), await createNote("a", "missed 2")];

    const resumed = (
      await openSse(isolate("a"), "/api/notes/subscribe", { headers: { "Last-Event-ID": String(lastEventId) } })
    ).reader;
    const events = await resumed.until((event) => event.event === "added" && event.data.id === missed[1]?.id);
    const added = events.filter((event) => event.event === "added").map((event) => event.data.row.title);
    expect(added).toEqual(["missed 1", "missed 2"]);
    expect(events.some((event) => event.event === "snapshot")).toBe(false);
    await resumed.cancel();
  });

  it("a reset of the object mid-subscription loses nothing: the subscriber reconnects and catches up", async () => {
    const reader = (await openSse(isolate("b"), "/api/notes/subscribe")).reader;
    await reader.until("snapshot");
    await objectControl("abort");
    const note = await createNote("a", "after reset");
    const events = await reader.until((event) => event.event === "added" || event.event === "invalidate");
    // The object kept its changelog in storage, so the entry itself arrives (not just `invalidate`).
    const last = events[events.length - 1];
    expect(last?.event).toBe("added");
    expect(last?.data.row).toEqual({ id: note.id, title: "after reset" });
    await reader.cancel();
  });

  it("a client resuming past what the object holds (its storage was wiped) gets invalidate", async () => {
    const reader = (await openSse(isolate("b"), "/api/notes/subscribe")).reader;
    await reader.until("snapshot");
    await createNote("a", "before wipe");
    await reader.until("added");
    const lastEventId = reader.lastEventId;
    await reader.cancel();
    await objectControl("clear");

    const resumed = (
      await openSse(isolate("a"), "/api/notes/subscribe", { headers: { "Last-Event-ID": String(lastEventId) } })
    ).reader;
    const events = await resumed.until((event) => event.event === "invalidate" || event.event === "snapshot");
    expect(events.map((event) => event.event)).toContain("invalidate");
    await resumed.cancel();
  });

  it("a rate limit counts across isolates: its counter lives in the object", async () => {
    const statuses: number[] = [];
    for (const via of ["a", "b", "a", "b", "a"] as const)
      statuses.push((await isolate(via).request("/api/limited-notes")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const refused = await isolate("b").request("/api/limited-notes");
    expect(refused.status).toBe(429);
    expect((await refused.json()) as Record<string, unknown>).toMatchObject({ code: expect.any(String), status: 429 });
  });
});
