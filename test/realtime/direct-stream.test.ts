/**
 * Served by `startServer`, a subscription is written straight to the socket (no Web stream): the
 * events, their order, the Set-Cookie and other headers, the end of the stream, and the client
 * going away all behave as with a Web stream; middleware that re-wraps the response after the
 * handler gets the Web stream instead, and that still streams. Through `app.request` (or any
 * other runtime) the response is an ordinary Web stream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { directBodyOf } from "../../src/kernel/direct-body";
import { startServer, type CovaraServer } from "../../src/node";
import { send } from "../helpers/app";
import { dialectTargets, type TestDatabase } from "../helpers/dialects";
import { openSse, openSseUrl } from "../helpers/sse";
import { createCovara, type CovaraApp } from "../../src";
import type { MiddlewareHandler } from "hono";
import { OPEN } from "../helpers/app";
import { closeLiveApps, liveUsersApp, testHub } from "./live-app";

/** The users resource with `middleware` in front of it. */
function appWith(middleware: MiddlewareHandler): CovaraApp {
  const app = createCovara({ realtime: testHub(undefined) });
  app.use("/api/users/subscribe", middleware);
  return app.resource("/users", database.users, { id: database.users.id, db: database.db, name: "users", auth: OPEN });
}

let database: TestDatabase;
const servers: CovaraServer[] = [];
beforeAll(async () => {
  database = await dialectTargets[0]!.open();
});
afterAll(async () => {
  await database.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await closeLiveApps();
  await database.reset();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe("event streams written straight to the socket", () => {
  it("delivers the snapshot and later changes, sets its headers, and ends the subscription when the client leaves", async () => {
    let direct: boolean | undefined;
    const app = appWith(async (c, next) => {
      await next();
      // What the app hands the server is the direct-body response itself (nothing re-wrapped it).
      direct = directBodyOf(c.res) !== undefined;
    });
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
    servers.push(server);
    await send(app, "POST", "/api/users", { body: { name: "Ann", email: "ann@x.io" } });
    const opened = await openSseUrl(`${server.url}/api/users/subscribe`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(opened.headers.get("cache-control")).toBe("no-cache, no-transform");
    const [connected, snapshot] = await opened.reader.take(2);
    expect(connected!.event).toBe("connected");
    expect(snapshot!.data.items.map((row: { name: string }) => row.name)).toEqual(["Ann"]);
    expect(direct).toBe(true);
    await send(app, "POST", "/api/users", { body: { name: "Bob", email: "bob@x.io" } });
    expect((await opened.reader.until("added")).at(-1)!.data.row.name).toBe("Bob");
    expect(app.realtime.streamCount).toBe(1);
    opened.abort();
    await until(() => app.realtime.streamCount === 0);
  });

  it("a middleware that adds a header after the handler gets the Web stream, and the stream still works", async () => {
    const app = appWith(async (c, next) => {
      await next();
      // Hono re-wraps the finished response here, reading its body.
      c.header("x-traced", "yes");
    });
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
    servers.push(server);
    const opened = await openSseUrl(`${server.url}/api/users/subscribe`);
    expect(opened.headers.get("x-traced")).toBe("yes");
    await opened.reader.take(2);
    await send(app, "POST", "/api/users", { body: { name: "Cy", email: "cy@x.io" } });
    expect((await opened.reader.until("added")).at(-1)!.data.row.name).toBe("Cy");
    opened.abort();
    await until(() => app.realtime.streamCount === 0);
  });

  it("a stream the server ends closes the response after its last event", async () => {
    const app = liveUsersApp(database);
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", shutdown: false });
    servers.push(server);
    const opened = await openSseUrl(`${server.url}/api/users/subscribe?snapshot=false`);
    await opened.reader.take(1);
    app.realtime.endAll("reconnect", "shutting-down", "going away");
    const rest = await opened.reader.toEnd(5000);
    expect(rest.at(-1)?.event).toBe("reconnect");
    await until(() => app.realtime.streamCount === 0);
  });

  it("through app.request the response is an ordinary Web stream", async () => {
    let direct: boolean | undefined;
    const app = appWith(async (c, next) => {
      await next();
      direct = directBodyOf(c.res) !== undefined;
    });
    const opened = await openSse(app, "/api/users/subscribe?snapshot=false");
    expect((await opened.reader.take(1))[0]!.event).toBe("connected");
    expect(direct).toBe(false);
    await opened.reader.cancel();
  });
});
