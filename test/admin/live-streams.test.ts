/**
 * An admin's live streams keep the scope they were opened with across realtime's re-checks: a
 * bypassed stream still sees every row, an impersonated one still only the target's, and one
 * whose admin is no admin any more ends with `revoked` (403). Real cookie sessions (so a re-check
 * reloads the user), SQLite, the memory KV.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it } from "vitest";
import { createCovara, rsql, type CovaraApp } from "../../src";
import { cookieSession, useAuth } from "../../src/auth";
import { pushTables } from "../../src/db";
import { createMemoryKV } from "../../src/kv";
import { FAST_HASH, memoryUsers, TestClient, type TestUsers } from "../auth/core/harness";
import { SseReader, type SseEvent } from "../helpers/sse";
import { closeLiveApps, testHub } from "../realtime/live-app";

const notes = sqliteTable("notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  ownerId: text("owner_id").notNull(),
});

const PASSWORD = "correct horse battery";
/** Re-checks every 50 ms, so a few of them run within a test's waits. */
const REAUTHORIZE_MS = 50;
const WAIT_MS = 3000;

const readers: SseReader[] = [];
let sqlite: Database.Database | undefined;

afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  await closeLiveApps();
  sqlite?.close();
});

interface Fixture {
  app: CovaraApp;
  users: TestUsers;
  admin: TestClient;
  rootId: string;
  annId: string;
}

async function fixture(): Promise<Fixture> {
  sqlite = new Database(":memory:");
  const db = drizzle(sqlite);
  await pushTables(db, [notes]);
  const kv = createMemoryKV();
  const users = memoryUsers();
  const root = await users.add("root@example.com", PASSWORD, { role: "admin" });
  const ann = await users.add("ann@example.com", PASSWORD, { role: "member" });
  const auth = useAuth({
    strategy: cookieSession(),
    users,
    kv,
    passwordHashing: FAST_HASH,
    security: { throttle: false },
  });
  const app = createCovara({
    auth,
    realtime: testHub(kv),
    admin: { userManager: { getUser: (id) => users.getById(id) } },
  }).resource("/notes", notes, {
    db,
    id: notes.id,
    name: "notes",
    auth: { read: (user) => rsql`ownerId==${String(user.id)}`, create: () => true },
    subscriptions: { reauthorizeMs: REAUTHORIZE_MS },
  });
  for (const ownerId of [root.id, ann.id, "bob"])
    sqlite.prepare("insert into notes (title, owner_id) values (?, ?)").run(`${ownerId}'s`, ownerId);
  const admin = new TestClient(app);
  const login = await admin.send("POST", "/api/auth/login", {
    body: { email: "root@example.com", password: PASSWORD },
  });
  expect(login.status).toBe(200);
  return { app, users, admin, rootId: root.id, annId: ann.id };
}

async function open(f: Fixture, marker: Record<string, string>): Promise<SseReader> {
  const response = await f.app.request("http://localhost/api/notes/subscribe", {
    headers: { accept: "text/event-stream", cookie: f.admin.cookieHeader(), ...marker },
  });
  expect(response.status).toBe(200);
  const reader = new SseReader(response.body!);
  readers.push(reader);
  return reader;
}

const titles = (event: SseEvent | undefined) =>
  ((event?.data ?? {}) as { items?: { title: string }[] }).items?.map((row) => row.title).sort() ?? [];

/** Lets several re-checks run, then creates a note for `ownerId` and returns the events up to its `added`. */
async function afterRechecks(f: Fixture, reader: SseReader, ownerId: string): Promise<SseEvent[]> {
  await new Promise((resolve) => setTimeout(resolve, REAUTHORIZE_MS * 6));
  const created = await f.admin.send("POST", "/api/notes", { body: { title: "new", ownerId } });
  expect(created.status).toBe(201);
  return reader.until("added", WAIT_MS);
}

describe("an admin's live stream across re-checks", () => {
  it("a bypassed stream stays bypassed while its user is an admin: no scope change, every row", async () => {
    const f = await fixture();
    const stream = await open(f, { "x-covara-admin-bypass": "1" });
    const [snapshot] = (await stream.until("snapshot")).slice(-1);
    expect(titles(snapshot)).toEqual([`${f.annId}'s`, `${f.rootId}'s`, "bob's"].sort());
    const events = await afterRechecks(f, stream, "bob");
    expect(events.map((event) => event.event)).not.toContain("invalidate");
    expect(events.at(-1)!.data).toMatchObject({ row: { title: "new", ownerId: "bob" } });
  });

  it("an impersonated stream keeps the impersonated user's scope, not the admin's", async () => {
    const f = await fixture();
    const stream = await open(f, { "x-covara-impersonate": f.annId });
    const [snapshot] = (await stream.until("snapshot")).slice(-1);
    expect(titles(snapshot)).toEqual([`${f.annId}'s`]);
    // A row of the admin's own would reach an admin-scoped stream; the target's stream skips it.
    await f.admin.send("POST", "/api/notes", { body: { title: "root's new", ownerId: f.rootId } });
    const events = await afterRechecks(f, stream, f.annId);
    expect(events.map((event) => event.event)).not.toContain("invalidate");
    const added = events.filter((event) => event.event === "added").map((event) => event.data.row.title);
    expect(added).toEqual(["new"]);
  });

  it("a stream whose admin loses the admin role ends with `revoked` (403), bypassed or impersonating", async () => {
    const f = await fixture();
    const bypassed = await open(f, { "x-covara-admin-bypass": "1" });
    const impersonating = await open(f, { "x-covara-impersonate": f.annId });
    await bypassed.until("snapshot");
    await impersonating.until("snapshot");
    f.users.byId.get(f.rootId)!.role = "member";
    for (const reader of [bypassed, impersonating]) {
      const last = [...reader.takeQueued(), ...(await reader.toEnd(WAIT_MS))].at(-1)!;
      expect(last.event).toBe("revoked");
      expect(last.data).toMatchObject({ status: 403, code: "FORBIDDEN" });
    }
  });
});
