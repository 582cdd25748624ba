/**
 * Two apps in one process share nothing unless told to: each `createCovara` has its own context
 * (mutation feed, realtime routing and hub, KV, task registry and scheduler, logger), so a write in
 * one never reaches a subscriber, listener or index of the other, even when both serve the very
 * same Drizzle table definitions. Code that names no app keeps the old process-wide behaviour
 * through the default context.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createCovara,
  createRealtime,
  recordExternalMutation,
  trackMutations,
  useResource,
  type CovaraApp,
  type Logger,
} from "../../src";
import { useAuth } from "../../src/auth";
import { defaultContext } from "../../src/kernel/context";
import { getGlobalKV, setGlobalKV } from "../../src/kernel/global-kv";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { createMemoryKV } from "../../src/kv";
import { defineTask, getTaskRegistry, getTaskScheduler, initializeTasks } from "../../src/tasks";
import { pushTables } from "../../src/db";
import { OPEN, send } from "../helpers/app";
import { sqliteSchema } from "../helpers/schema";
import { openSse } from "../helpers/sse";

// One set of table definitions, used by both apps on their own databases.
const { users } = sqliteSchema();

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openDatabase() {
  const client = new Database(":memory:");
  const db = drizzle(client);
  await pushTables(db, [users]);
  cleanups.push(() => client.close());
  return db;
}

/** A recording logger: what reached it, by level. */
function recordingLogger(): Logger & { errors: unknown[]; warnings: string[] } {
  const errors: unknown[] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    error: (_message, error) => void errors.push(error),
    warn: (message) => void warnings.push(message),
  };
}

async function usersApp(options: Parameters<typeof createCovara>[0] = {}) {
  const db = await openDatabase();
  const app = createCovara(options).resource("/users", users, { id: users.id, db, name: "users", auth: OPEN });
  cleanups.push(() => app.realtime.close());
  return { app, db };
}

const row = (n: number) => ({ name: `user ${n}`, email: `u${n}@x.io` });

describe("two apps in one process", () => {
  it("a write in app A never reaches a subscriber of app B, though both serve the same table definitions", async () => {
    const a = await usersApp();
    const b = await usersApp();
    const stream = await openSse(b.app, "/api/users/subscribe");
    expect((await stream.reader.take(2)).map((event) => event.event)).toEqual(["connected", "snapshot"]);

    expect((await send(a.app, "POST", "/api/users", { body: row(1) })).status).toBe(201);
    expect((await send(b.app, "POST", "/api/users", { body: { name: "only in B", email: "b@x.io" } })).status).toBe(
      201,
    );
    // The first event B's subscriber sees is B's own write: A's never arrived before it.
    const [event] = await stream.reader.take(1);
    expect(event!.event).toBe("added");
    expect(event!.data).toMatchObject({ seq: 1, row: { name: "only in B" } });
    expect(await a.app.realtime.changelog.latestSeq()).toBe(1);
    expect(await b.app.realtime.changelog.latestSeq()).toBe(1);
    await stream.reader.cancel();
  });

  it("does not route app A's writes to app B's hub even when both mount the same database", async () => {
    const a = await usersApp();
    const b = createCovara().resource("/users", users, { id: users.id, db: a.db, name: "users", auth: OPEN });
    cleanups.push(() => b.realtime.close());
    await send(a.app, "POST", "/api/users", { body: row(1) });
    expect(await a.app.realtime.changelog.latestSeq()).toBe(1);
    expect(await b.realtime.changelog.latestSeq()).toBe(0);
  });

  it("keeps mutation listeners apart; the default context's listeners observe every app, as before", async () => {
    const a = await usersApp();
    const b = await usersApp();
    const heard = { a: [] as Mutation[], b: [] as Mutation[], process: [] as Mutation[] };
    cleanups.push(onMutations((batch) => void heard.a.push(...batch), a.app));
    cleanups.push(onMutations((batch) => void heard.b.push(...batch), b.app.context));
    cleanups.push(onMutations((batch) => void heard.process.push(...batch)));
    await send(a.app, "POST", "/api/users", { body: row(1) });
    expect(heard.a.map((m) => [m.resource, m.op, m.db === a.db])).toEqual([["users", "create", true]]);
    expect(heard.b).toEqual([]);
    expect(heard.process).toHaveLength(1);
  });

  it("trackMutations and recordExternalMutation given an app publish into that app alone", async () => {
    const a = await usersApp();
    const b = await usersApp();
    const heardByB: Mutation[] = [];
    cleanups.push(onMutations((batch) => void heardByB.push(...batch), b.app));
    const tracked = trackMutations(a.db, { users: { table: users, id: users.id } }, { app: a.app });
    await tracked.insert(users).values(row(2)).returning();
    const entry = await recordExternalMutation("users", "update", { objectId: 1, app: a.app });
    expect(entry).toMatchObject({ resource: "users", op: "update", objectId: "1" });
    // A's hub recorded both (the tracked insert through A's feed, the external change directly).
    await expect.poll(() => a.app.realtime.changelog.latestSeq()).toBe(2);
    expect(await b.app.realtime.changelog.latestSeq()).toBe(0);
    expect(heardByB).toEqual([]);
  });

  it("a hub shared by two apps publishes an external mutation once on each app's feed, including an app that joined later", async () => {
    const db = await openDatabase();
    const hub = createRealtime();
    cleanups.push(() => hub.close());
    const heard = { a: 0, b: 0 };
    const a = createCovara({ realtime: hub })
      .resource("/users", users, { id: users.id, db, name: "users", auth: OPEN })
      .resource("/people", users, { id: users.id, db, name: "people", auth: OPEN });
    cleanups.push(onMutations((batch) => void (heard.a += batch.length), a));
    await hub.recordExternalMutation("users", "update", { objectId: 1 });
    expect(heard).toEqual({ a: 1, b: 0 });

    const b = createCovara({ realtime: hub }).resource("/users", users, {
      id: users.id,
      db,
      name: "users",
      auth: OPEN,
    });
    cleanups.push(onMutations((batch) => void (heard.b += batch.length), b));
    await hub.recordExternalMutation("users", "update", { objectId: 2 });
    expect(heard).toEqual({ a: 2, b: 1 });
  });

  it("gives each app its own KV; the process-wide setGlobalKV belongs to the default context", async () => {
    const kvA = createMemoryKV();
    const kvB = createMemoryKV();
    const processKV = createMemoryKV();
    const a = createCovara({ kv: kvA });
    const b = createCovara({ kv: kvB });
    const bare = createCovara();
    cleanups.push(
      () => a.realtime.close(),
      () => b.realtime.close(),
      () => bare.realtime.close(),
    );
    setGlobalKV(processKV);
    cleanups.push(() => setGlobalKV(undefined));
    expect(getGlobalKV(a)).toBe(kvA);
    expect(getGlobalKV(b)).toBe(kvB);
    expect(getGlobalKV(bare)).toBeUndefined();
    expect(getGlobalKV()).toBe(processKV);
    // useAuth({ app }) keeps its sessions in the app's KV; without `app` it still makes its own.
    expect(useAuth({ app: a }).kit.kv).toBe(kvA);
    const standalone = useAuth().kit.kv;
    expect([kvA, kvB, processKV]).not.toContain(standalone);
  });

  it("gives each app its own task registry and scheduler", async () => {
    const a = createCovara();
    const b = createCovara();
    cleanups.push(
      () => a.realtime.close(),
      () => b.realtime.close(),
    );
    const task = defineTask({ name: "two-apps-only-in-a", input: z.object({}), handler: async () => "done" });
    getTaskRegistry(a).register(task);
    expect(getTaskRegistry(a).has(task.name)).toBe(true);
    expect(getTaskRegistry(b).has(task.name)).toBe(false);
    expect(getTaskRegistry().has(task.name)).toBe(false);
    expect(getTaskRegistry(a.context)).toBe(getTaskRegistry(a));

    const scheduler = initializeTasks(createMemoryKV(), { app: a });
    expect(getTaskScheduler(a)).toBe(scheduler);
    expect(() => getTaskScheduler(b)).toThrow(/not initialised/);
    // A's scheduler knows A's tasks only: B's registry never sees A's, nor does the process-wide one.
    const b2 = defineTask({ name: "two-apps-only-in-b", input: z.object({}), handler: async () => "done" });
    getTaskRegistry(b).register(b2);
    await expect(scheduler.enqueue(b2.name, {})).rejects.toMatchObject({ status: 404, extensions: { task: b2.name } });
  });

  it("reports each app's failures to its own logger", async () => {
    const loggerA = recordingLogger();
    const loggerB = recordingLogger();
    const make = (logger: Logger): CovaraApp => {
      const app = createCovara({ logger });
      cleanups.push(() => app.realtime.close());
      app.get("/boom", () => {
        throw new Error("broken in one app");
      });
      return app;
    };
    const a = make(loggerA);
    make(loggerB);
    expect((await send(a, "GET", "/boom")).status).toBe(500);
    expect(loggerA.errors).toHaveLength(1);
    expect(loggerB.errors).toHaveLength(0);
    expect(a.context.logger).toBe(loggerA);
  });
});

describe("the default context serves the standalone API", () => {
  it("standalone resources, onMutations, getTaskRegistry and the global KV all use it", async () => {
    const db = await openDatabase();
    const router = useResource(users, { id: users.id, db, name: "standalone_users", auth: OPEN });
    const heard: Mutation[] = [];
    cleanups.push(onMutations((batch) => void heard.push(...batch)));
    expect((await send(router, "POST", "/", { body: row(3) })).status).toBe(201);
    expect(heard.map((m) => [m.resource, m.op])).toEqual([["standalone_users", "create"]]);
    // recordExternalMutation without an app finds the standalone resource's hub (one per database).
    const entry = await recordExternalMutation("standalone_users", "update", { objectId: 1 });
    expect(entry).toMatchObject({ seq: 2, resource: "standalone_users" });
    cleanups.push(() => defaultContext().realtimeByDatabase?.get(db)?.close());

    expect(getTaskRegistry()).toBe(getTaskRegistry());
    expect(getTaskRegistry()).toBe(defaultContext().taskRegistry);
    const kv = createMemoryKV();
    setGlobalKV(kv);
    cleanups.push(() => setGlobalKV(undefined));
    expect(getGlobalKV()).toBe(kv);
    expect(defaultContext().kv).toBe(kv);
  });
});
