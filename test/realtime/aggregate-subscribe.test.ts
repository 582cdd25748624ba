/**
 * GET /aggregate/subscribe: the live result always equals a fresh GET /aggregate with the same
 * parameters, for the same user; bursts are coalesced and unchanged results are not re-sent.
 */
import { afterEach, expect, it } from "vitest";
import { rsql } from "../../src";
import { people, send } from "../helpers/app";
import { openSse, type SseReader } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

const readers: SseReader[] = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  await closeLiveApps();
});

async function subscribe(app: { request: any }, query: string, user?: Record<string, unknown>): Promise<SseReader> {
  const opened = await openSse(app, `/api/users/aggregate/subscribe?${query}`, { user });
  expect(opened.status).toBe(200);
  readers.push(opened.reader);
  return opened.reader;
}

/** Reads aggregate events until one equals `expected`; returns how many came. */
async function untilGroups(reader: SseReader, expected: unknown): Promise<number> {
  let count = 0;
  for (;;) {
    const event = await reader.next();
    if (event.event !== "aggregate") throw new Error(`unexpected ${event.event}: ${JSON.stringify(event.data)}`);
    count++;
    if (JSON.stringify(event.data.groups) === JSON.stringify(expected)) return count;
  }
}

eachDialect("live aggregates", (use) => {
  it("starts with and keeps pushing exactly what GET /aggregate answers", async () => {
    const app = liveUsersApp(use(), { config: { subscriptions: { aggregateIntervalMs: 5 } } });
    for (const row of people) await send(app, "POST", "/api/users", { body: row });
    const query = "groupBy=role&sum=age&max=score&having=count>=1&orderBy=-count,role&limit=2";
    const reader = await subscribe(app, query);
    const [connected, initial] = await reader.take(2);
    expect(connected!.event).toBe("connected");
    expect(connected!.data.seq).toBe(5);
    expect(initial!.event).toBe("aggregate");
    expect(initial!.id).toBe("5");
    expect(initial!.data.groups).toEqual((await send(app, "GET", `/api/users/aggregate?${query}`)).body.groups);

    await send(app, "POST", "/api/users", { body: { name: "Zed", email: "z@x.io", role: "mod", age: 50, score: 10 } });
    await untilGroups(reader, (await send(app, "GET", `/api/users/aggregate?${query}`)).body.groups);
    await send(app, "DELETE", "/api/users/1");
    await send(app, "PATCH", "/api/users/2", { body: { role: "mod" } });
    const expected = (await send(app, "GET", `/api/users/aggregate?${query}`)).body.groups;
    await untilGroups(reader, expected);
    expect(expected).toEqual([
      { role: "mod", count: 3, sum_age: 116, max_score: 10 },
      { role: "admin", count: 1, sum_age: 30, max_score: 8 },
    ]);
  });

  it("coalesces a burst into one recompute and does not resend an unchanged result", async () => {
    const app = liveUsersApp(use(), { config: { subscriptions: { aggregateIntervalMs: 50 } } });
    const reader = await subscribe(app, "groupBy=role");
    await reader.take(2);
    const rows = Array.from({ length: 40 }, (_, i) => ({
      name: `u${i}`,
      email: `u${i}@x.io`,
      role: i % 2 ? "a" : "b",
    }));
    // One batch: forty changelog entries in one go.
    expect((await send(app, "POST", "/api/users/batch", { body: rows })).status).toBe(201);
    // One recompute for the burst; under load a wake-up may already see the committed rows before
    // the last entry's seq reached the stream, so the label is at most 40 and the groups are final.
    const [pushed] = await reader.take(1);
    expect(pushed!.data.groups).toEqual([
      { role: "a", count: 20 },
      { role: "b", count: 20 },
    ]);
    expect(pushed!.data.seq).toBeLessThanOrEqual(40);
    // Renaming changes no group: nothing is sent. The next change that matters is the next event.
    await send(app, "PATCH", "/api/users/1", { body: { name: "renamed" } });
    await send(app, "PATCH", "/api/users/2", { body: { role: "c" } });
    const [next] = await reader.take(1);
    expect(next!.data.groups).toEqual([
      { role: "a", count: 19 },
      { role: "b", count: 20 },
      { role: "c", count: 1 },
    ]);
    expect(next!.data.seq).toBe(42);
  });

  it("counts only rows inside the subscriber's read scope", async () => {
    const app = liveUsersApp(use(), {
      config: {
        auth: { public: { create: true, update: true }, read: (user) => rsql`ownerId==${user.id}` },
        subscriptions: { aggregateIntervalMs: 5 },
      },
    });
    for (const row of people) await send(app, "POST", "/api/users", { body: row });
    const reader = await subscribe(app, "groupBy=role", { id: 1 });
    const [, initial] = await reader.take(2);
    expect(initial!.data.groups).toEqual([
      { role: "admin", count: 1 },
      { role: "user", count: 1 },
    ]);
    await send(app, "POST", "/api/users", { body: { name: "Other", email: "o@x.io", ownerId: 2, role: "admin" } });
    await send(app, "POST", "/api/users", { body: { name: "Mine", email: "m@x.io", ownerId: 1, role: "admin" } });
    await untilGroups(reader, [
      { role: "admin", count: 2 },
      { role: "user", count: 1 },
    ]);
  });

  it("ends with an error event when a recompute is refused (the user lost read access)", async () => {
    let allowed = true;
    const app = liveUsersApp(use(), {
      config: { auth: { public: { create: true }, read: () => allowed }, subscriptions: { aggregateIntervalMs: 5 } },
    });
    const reader = await subscribe(app, "groupBy=role", { id: 1 });
    await reader.take(2);
    allowed = false;
    await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } });
    const [error] = await reader.take(1);
    expect(error!.event).toBe("error");
    expect(error!.data).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(await reader.toEnd()).toEqual([]);
    expect(app.realtime.streamCount).toBe(0);
  });
});
