/**
 * Every mistake a subscriber can make is refused before the stream opens, with the same
 * problem+json the list and aggregate endpoints give — never a 500, never a half-open stream.
 */
import { afterEach, expect, it } from "vitest";
import { send } from "../helpers/app";
import { openSse } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

afterEach(closeLiveApps);

eachDialect("subscription bad input", (use) => {
  const hidden = { fields: { readable: ["id", "name", "age"] as any } };

  it("refuses the filters, selections and orderings the list endpoint refuses, with the same problem", async () => {
    const app = liveUsersApp(use(), { config: hidden });
    const queries = [
      "filter=secret==x",
      "filter=name==",
      "filter=age=gt=abc",
      "filter=" + encodeURIComponent("(((("),
      "filter=name=nosuch=x",
      "select=secret",
      "select=",
      "orderBy=secret",
      "orderBy=name,name",
      "limit=0",
      "limit=abc",
      "cursor=@@@",
      "withDeleted=maybe",
    ];
    for (const query of queries) {
      const list = await send(app, "GET", `/api/users?${query}`);
      const live = await openSse(app, `/api/users/subscribe?${query}`);
      expect([query, list.status]).toEqual([query, 400]);
      expect([query, live.status, live.headers.get("content-type")]).toEqual([query, 400, "application/problem+json"]);
      expect(live.problem).toEqual(list.body);
    }
  });

  it("refuses a malformed snapshot flag", async () => {
    const live = await openSse(liveUsersApp(use()), "/api/users/subscribe?snapshot=perhaps");
    expect(live.status).toBe(400);
    expect(live.problem).toMatchObject({ code: "INVALID_PARAMETER", parameter: "snapshot" });
  });

  it("answers a malformed Last-Event-ID, in the header or the query, with 400 INVALID_EVENT_ID", async () => {
    const app = liveUsersApp(use());
    for (const value of ["abc", "-1", "1.5", "1e3", "12345678901234567890", "0x10"]) {
      const byHeader = await openSse(app, "/api/users/subscribe", { headers: { "last-event-id": value } });
      expect([value, byHeader.status]).toEqual([value, 400]);
      expect(byHeader.problem).toMatchObject({
        code: "INVALID_EVENT_ID",
        type: "/__covara/problems/invalid-event-id",
        parameter: "Last-Event-ID",
      });
      const byQuery = await openSse(app, `/api/users/subscribe?lastEventId=${encodeURIComponent(value)}`);
      expect(byQuery.problem).toMatchObject({ code: "INVALID_EVENT_ID", parameter: "lastEventId" });
      const aggregate = await openSse(app, "/api/users/aggregate/subscribe", { headers: { "last-event-id": value } });
      expect(aggregate.problem).toMatchObject({ code: "INVALID_EVENT_ID" });
    }
    // An empty Last-Event-ID is what EventSource sends after an id reset: a fresh subscription.
    const empty = await openSse(app, "/api/users/subscribe", { headers: { "last-event-id": "" } });
    expect(empty.status).toBe(200);
    await empty.reader.cancel();
  });

  it("answers read-auth failures exactly as the list endpoint does", async () => {
    const denied = liveUsersApp(use(), { config: { auth: { read: () => false } } });
    const anonymous = await openSse(denied, "/api/users/subscribe");
    const listAnonymous = await send(denied, "GET", "/api/users");
    expect(anonymous.status).toBe(401);
    expect(anonymous.problem).toEqual(listAnonymous.body);
    const forbidden = await openSse(denied, "/api/users/subscribe", { user: { id: 1 } });
    const listForbidden = await send(denied, "GET", "/api/users", { user: { id: 1 } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.problem).toEqual(listForbidden.body);
    const aggregate = await openSse(denied, "/api/users/aggregate/subscribe", { user: { id: 1 } });
    expect(aggregate.status).toBe(403);
  });

  it("refuses the aggregate parameters GET /aggregate refuses, with the same problem", async () => {
    const app = liveUsersApp(use(), { config: hidden });
    for (const query of [
      "groupBy=secret",
      "sum=name",
      "having=nosuch>1",
      "orderBy=nosuch",
      "limit=-1",
      "filter=secret==1",
      "avg=email",
    ]) {
      const once = await send(app, "GET", `/api/users/aggregate?${query}`);
      const live = await openSse(app, `/api/users/aggregate/subscribe?${query}`);
      expect([query, once.status]).toEqual([query, 400]);
      expect([query, live.status]).toEqual([query, 400]);
      expect(live.problem).toEqual(once.body);
    }
  });

  it("answers other methods with 405 and the allowed method", async () => {
    const app = liveUsersApp(use());
    for (const path of ["/api/users/subscribe", "/api/users/aggregate/subscribe"]) {
      const res = await send(app, "POST", path, { body: {} });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET");
      expect(res.body.code).toBe("METHOD_NOT_ALLOWED");
    }
  });

  it("removes the endpoints when subscriptions are off (the path is then an id)", async () => {
    const app = liveUsersApp(use(), { config: { subscriptions: false } });
    const res = await send(app, "GET", "/api/users/subscribe");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("INVALID_ID");
  });

  it("refuses bad subscription options when the resource is mounted", () => {
    expect(() => liveUsersApp(use(), { config: { subscriptions: { maxSnapshotRows: 0 } } })).toThrow(/maxSnapshotRows/);
    expect(() => liveUsersApp(use(), { config: { subscriptions: { aggregateIntervalMs: -5 } } })).toThrow(
      /aggregateIntervalMs/,
    );
    expect(() => liveUsersApp(use(), { hub: { heartbeatMs: 0 } })).toThrow(/heartbeatMs/);
    expect(() => liveUsersApp(use(), { config: { subscriptions: { reauthorizeMs: 0 } } })).toThrow(/reauthorizeMs/);
    expect(() => liveUsersApp(use(), { hub: { reauthorizeMs: Number.NaN } })).toThrow(/reauthorizeMs/);
  });
});
