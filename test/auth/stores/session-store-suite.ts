/**
 * The behaviour every SessionStore shares, run once per store × backend (memory; KV over the
 * memory KV and Redis; Drizzle over better-sqlite3, PGlite and PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionData, SessionStore } from "../../../src/auth/types";

export interface OpenedSessionStore {
  store: SessionStore;
  close(): Promise<void>;
}

const HOUR = 60 * 60 * 1000;
let counter = 0;
const uid = (label: string) =>
  `${label}-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function session(userId: string, overrides: Partial<SessionData> = {}): SessionData {
  const now = Date.now();
  // Whole milliseconds survive every backend (Postgres timestamps keep microseconds, SQLite ms).
  return { id: uid("s"), userId, createdAt: new Date(now), expiresAt: new Date(now + HOUR), data: null, ...overrides };
}

/** Registers the shared session-store tests for one store over one backend. */
export function runSessionStoreSuite(name: string, open: () => Promise<OpenedSessionStore>): void {
  describe(`SessionStore behaviour: ${name}`, () => {
    let opened: OpenedSessionStore;
    let store: SessionStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.close();
    });

    it("creates a session and reads it back in logical keys", async () => {
      const s = session(uid("u"), { data: { theme: "dark", nested: { n: 1, list: [1, "two"] } } });
      await store.create(s);
      const read = await store.get(s.id);
      expect(read).toEqual(s);
      expect(Object.keys(read!).sort()).toEqual(["createdAt", "data", "expiresAt", "id", "userId"]);
      expect(read!.createdAt).toBeInstanceOf(Date);
      expect(read!.expiresAt).toBeInstanceOf(Date);
    });

    it("reads null for an id that does not exist, including odd ids", async () => {
      expect(await store.get(uid("missing"))).toBeNull();
      expect(await store.get("")).toBeNull();
      expect(await store.get("'; drop table auth_sessions; --")).toBeNull();
      expect(await store.get("ü∂ß✓ ")).toBeNull();
    });

    it("keeps data null when none is given", async () => {
      const s = session(uid("u"));
      await store.create(s);
      expect((await store.get(s.id))!.data ?? null).toBeNull();
    });

    it("hands out copies: mutating a returned session never changes the stored one", async () => {
      const s = session(uid("u"), { data: { count: 1 } });
      await store.create(s);
      s.data!.count = 99;
      const read = (await store.get(s.id))!;
      expect(read.data).toEqual({ count: 1 });
      read.data!.count = 42;
      read.expiresAt.setTime(0);
      expect(await store.get(s.id)).toMatchObject({ data: { count: 1 } });
      expect((await store.get(s.id))!.expiresAt.getTime()).toBe(s.expiresAt.getTime());
    });

    it("treats an expired session as absent: get, update and listByUser all skip it", async () => {
      const userId = uid("u");
      const expired = session(userId, {
        createdAt: new Date(Date.now() - 2 * HOUR),
        expiresAt: new Date(Date.now() - HOUR),
      });
      await store.create(expired);
      expect(await store.get(expired.id)).toBeNull();
      expect(await store.update(expired.id, { data: { revived: true } })).toBe(false);
      expect(await store.get(expired.id)).toBeNull();
      expect(await store.listByUser(userId)).toEqual([]);
    });

    it("expires a session once its expiry passes", async () => {
      const s = session(uid("u"), { expiresAt: new Date(Date.now() + 40) });
      await store.create(s);
      await sleep(80);
      expect(await store.get(s.id)).toBeNull();
    });

    it("updates data and expiry of an existing session and reports a missing one", async () => {
      const s = session(uid("u"), { data: { a: 1 } });
      await store.create(s);
      const later = new Date(s.expiresAt.getTime() + HOUR);
      expect(await store.update(s.id, { data: { a: 2, b: [true] } })).toBe(true);
      expect(await store.update(s.id, { expiresAt: later })).toBe(true);
      const read = (await store.get(s.id))!;
      expect(read.data).toEqual({ a: 2, b: [true] });
      expect(read.expiresAt.getTime()).toBe(later.getTime());
      expect(read.createdAt.getTime()).toBe(s.createdAt.getTime());
      expect(await store.update(uid("missing"), { data: {} })).toBe(false);
      expect(await store.update(s.id, { data: null })).toBe(true);
      expect((await store.get(s.id))!.data ?? null).toBeNull();
    });

    it("Session activity metadata: session.data carries ipAddress, userAgent and lastActiveAt through the store", async () => {
      const s = session(uid("u"), { data: { ipAddress: "203.0.113.7", userAgent: "Mozilla/5.0 (X11; Linux) ✓" } });
      await store.create(s);
      const stamped = { ...s.data, lastActiveAt: new Date().toISOString() };
      expect(await store.update(s.id, { data: stamped })).toBe(true);
      expect((await store.get(s.id))!.data).toEqual(stamped);
    });

    it("Logout invalidation: a deleted session never authenticates again, and deleting twice is harmless", async () => {
      const s = session(uid("u"));
      await store.create(s);
      await store.delete(s.id);
      expect(await store.get(s.id)).toBeNull();
      expect(await store.update(s.id, { data: { back: true } })).toBe(false);
      await store.delete(s.id);
      await store.delete(uid("never-existed"));
      expect(await store.get(s.id)).toBeNull();
    });

    it("Logout invalidation: an update racing a delete never brings the session back", async () => {
      for (let round = 0; round < 20; round++) {
        const s = session(uid("u"));
        await store.create(s);
        await Promise.all([store.update(s.id, { data: { lastActiveAt: round } }), store.delete(s.id)]);
        expect(await store.get(s.id)).toBeNull();
        expect(await store.listByUser(s.userId)).toEqual([]);
      }
    });

    it("lists only one user's live sessions", async () => {
      const alice = uid("alice");
      const bob = uid("bob");
      const a1 = session(alice);
      const a2 = session(alice, { data: { device: "phone" } });
      await store.create(a1);
      await store.create(a2);
      await store.create(session(bob));
      const listed = await store.listByUser(alice);
      expect(listed.map((s) => s.id).sort()).toEqual([a1.id, a2.id].sort());
      expect(listed.find((s) => s.id === a2.id)!.data).toEqual({ device: "phone" });
      expect(await store.listByUser(uid("nobody"))).toEqual([]);
    });

    it("Bulk invalidation: deleteByUser ends every session of one user and returns the count, other users untouched", async () => {
      const alice = uid("alice");
      const bob = uid("bob");
      const mine = [session(alice), session(alice), session(alice)];
      const theirs = session(bob);
      for (const s of [...mine, theirs]) await store.create(s);
      expect(await store.deleteByUser(alice)).toBe(3);
      for (const s of mine) expect(await store.get(s.id)).toBeNull();
      expect(await store.listByUser(alice)).toEqual([]);
      expect(await store.get(theirs.id)).toEqual(theirs);
      expect(await store.deleteByUser(alice)).toBe(0);
      expect(await store.deleteByUser(uid("nobody"))).toBe(0);
    });

    it("Bulk invalidation: keeping one session is the caller's delete-all-then-keep or per-session delete via listByUser", async () => {
      const alice = uid("alice");
      const keep = session(alice);
      const others = [session(alice), session(alice)];
      for (const s of [keep, ...others]) await store.create(s);
      for (const s of await store.listByUser(alice)) if (s.id !== keep.id) await store.delete(s.id);
      expect((await store.listByUser(alice)).map((s) => s.id)).toEqual([keep.id]);
    });

    it("survives many concurrent creates for one user and lists them all", async () => {
      const userId = uid("busy");
      const sessions = Array.from({ length: 25 }, () => session(userId));
      await Promise.all(sessions.map((s) => store.create(s)));
      expect((await store.listByUser(userId)).length).toBe(25);
      expect(await store.deleteByUser(userId)).toBe(25);
    });

    it("rejects a session without an id, a user or valid dates (a programming error, thrown before storing)", async () => {
      const good = session(uid("u"));
      await expect(store.create({ ...good, id: "" })).rejects.toThrow(TypeError);
      await expect(store.create({ ...good, userId: "" })).rejects.toThrow(TypeError);
      await expect(store.create({ ...good, expiresAt: new Date(Number.NaN) })).rejects.toThrow(TypeError);
      await expect(store.create({ ...good, createdAt: "yesterday" as unknown as Date })).rejects.toThrow(TypeError);
      expect(await store.get(good.id)).toBeNull();
    });
  });
}
