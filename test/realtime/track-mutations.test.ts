/**
 * trackMutations: writes through the wrapped db are published once, after commit, with the stored
 * rows; the optional query cache serves repeated selects and is emptied by every tracked write.
 */
import { eq, gte } from "drizzle-orm";
import { afterEach, expect, it, vi } from "vitest";
import { createCovara, recordExternalMutation, trackMutations } from "../../src";
import { onMutations, type Mutation } from "../../src/kernel/mutations";
import { createMemoryKV } from "../../src/kv";
import { createRealtime, queryCacheOf } from "../../src/realtime";
import { OPEN, send } from "../helpers/app";
import type { TestDatabase } from "../helpers/dialects";
import { openSse } from "../helpers/sse";
import { eachDialect } from "../helpers/suite";
import { closeLiveApps, liveUsersApp } from "./live-app";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, guardMs = 5000): Promise<void> {
  const deadline = Date.now() + guardMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met");
    await sleep(2);
  }
}

const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  vi.restoreAllMocks();
  await closeLiveApps();
});

/** Mutations published for this test's database. */
function recordFeed(t: TestDatabase): Mutation[] {
  const seen: Mutation[] = [];
  stops.push(onMutations((batch) => void seen.push(...batch.filter((m) => m.db === t.db || m.db === undefined))));
  return seen;
}

const brief = (seen: Mutation[]) => seen.map((m) => [m.resource, m.op, m.id]);

function track(t: TestDatabase, options: Parameters<typeof trackMutations>[2] = {}) {
  return trackMutations(
    t.db,
    { users: { table: t.users, id: t.users.id }, notes: { table: t.notes, id: t.notes.id } },
    options,
  ) as any;
}

eachDialect("trackMutations", (use) => {
  const isSqlite = () => use().name === "better-sqlite3";

  it("publishes inserts, updates and deletes with the stored rows, learning ids with or without returning()", async () => {
    const t = use();
    const db = track(t);
    const seen = recordFeed(t);
    const [ada] = await db.insert(t.users).values({ name: "Ada", email: "a@x.io", age: 36 }).returning();
    expect(ada.name).toBe("Ada");
    await db.insert(t.users).values([
      { id: 7, name: "Bob", email: "b@x.io" },
      { id: 8, name: "Cy", email: "c@x.io" },
    ]);
    await db.update(t.users).set({ age: 5 }).where(eq(t.users.id, 7));
    const updated = await db
      .update(t.users)
      .set({ role: "mod" })
      .where(gte(t.users.id, 7))
      .returning({ id: t.users.id });
    expect(updated).toHaveLength(2);
    await db.delete(t.users).where(eq(t.users.id, 8));
    await db.insert(t.notes).values({ id: "n1", title: "note" });
    expect(brief(seen)).toEqual([
      ["users", "create", 1],
      ["users", "create", 7],
      ["users", "create", 8],
      ["users", "update", 7],
      ["users", "update", 7],
      ["users", "update", 8],
      ["users", "delete", 8],
      ["notes", "create", "n1"],
    ]);
    expect(seen[3]!.row).toMatchObject({ id: 7, age: 5, name: "Bob" });
    expect(seen[6]!.row).toMatchObject({ id: 8, role: "mod", name: "Cy" });
    expect(seen.every((m) => m.db === t.db)).toBe(true);
  });

  it("an insert without returning() or ids: SQLite's rowid identifies it; elsewhere it warns once and publishes nothing", async () => {
    const t = use();
    const db = track(t);
    const seen = recordFeed(t);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await db.insert(t.users).values({ name: "A", email: "a@x.io" });
    await db.insert(t.users).values({ name: "B", email: "b@x.io" });
    if (isSqlite()) {
      expect(brief(seen)).toEqual([
        ["users", "create", 1],
        ["users", "create", 2],
      ]);
      expect(warn).not.toHaveBeenCalled();
    } else {
      expect(seen).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/'users' was not published.*returning\(\)/);
    }
  });

  it("upserts are published as updates; untracked tables and reads are not published", async () => {
    const t = use();
    const db = trackMutations(t.db, { users: { table: t.users, id: t.users.id } }) as any;
    const seen = recordFeed(t);
    await db.insert(t.notes).values({ id: "n1", title: "untracked" });
    await db.select().from(t.users);
    await db
      .insert(t.users)
      .values({ id: 3, name: "A", email: "a@x.io" })
      .onConflictDoUpdate({ target: t.users.id, set: { name: "A2" } })
      .returning();
    expect(brief(seen)).toEqual([["users", "update", 3]]);
  });

  it("holds writes made in a transaction until it commits, and publishes nothing for a rollback", async () => {
    const t = use();
    const db = track(t);
    const seen = recordFeed(t);
    if (isSqlite()) {
      db.transaction((tx: any) => {
        tx.insert(t.users).values({ name: "A", email: "a@x.io" }).returning().all();
        tx.update(t.users).set({ age: 1 }).where(eq(t.users.id, 1)).run();
        tx.transaction((inner: any) => inner.insert(t.notes).values({ id: "n1", title: "x" }).run());
        expect(seen).toEqual([]);
      });
      expect(() =>
        db.transaction((tx: any) => {
          tx.insert(t.users).values({ name: "B", email: "b@x.io" }).returning().all();
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
    } else {
      await db.transaction(async (tx: any) => {
        await tx.insert(t.users).values({ name: "A", email: "a@x.io" }).returning();
        await tx.update(t.users).set({ age: 1 }).where(eq(t.users.id, 1));
        await tx.transaction(async (inner: any) => inner.insert(t.notes).values({ id: "n1", title: "x" }));
        await expect(
          tx.transaction(async (inner: any) => {
            await inner.insert(t.notes).values({ id: "n2", title: "rolled back" });
            throw new Error("inner roll back");
          }),
        ).rejects.toThrow("inner roll back");
        expect(seen).toEqual([]);
      });
      await expect(
        db.transaction(async (tx: any) => {
          await tx.insert(t.users).values({ name: "B", email: "b@x.io" }).returning();
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
    }
    await waitFor(() => seen.length >= 3);
    await sleep(5);
    expect(brief(seen)).toEqual([
      ["users", "create", 1],
      ["users", "update", 1],
      ["notes", "create", "n1"],
    ]);
  });

  it("keeps better-sqlite3's run/all/get synchronous and publishes in the background, in order", async () => {
    if (!isSqlite()) return;
    const t = use();
    const db = track(t);
    const seen = recordFeed(t);
    const result = db.insert(t.users).values({ name: "A", email: "a@x.io" }).run();
    expect(result).toMatchObject({ changes: 1 });
    const rows = db.update(t.users).set({ age: 2 }).where(eq(t.users.id, 1)).returning().all();
    expect(rows).toEqual([expect.objectContaining({ id: 1, age: 2 })]);
    const gone = db.delete(t.users).where(eq(t.users.id, 1)).returning().get();
    expect(gone).toMatchObject({ id: 1 });
    await waitFor(() => seen.length === 3);
    expect(brief(seen)).toEqual([
      ["users", "create", 1],
      ["users", "update", 1],
      ["users", "delete", 1],
    ]);
  });

  it("refuses prepared writes on tracked tables with a clear error", () => {
    const t = use();
    const db = track(t);
    expect(() => db.insert(t.users).values({ name: "A", email: "a@x.io" }).prepare()).toThrow(
      /prepared writes on the tracked table 'users'/,
    );
    expect(() => db.delete(t.users).where(eq(t.users.id, 1)).prepare()).toThrow(TypeError);
  });

  it("refuses a table map whose id column is not the table's", () => {
    const t = use();
    expect(() => trackMutations(t.db, { users: { table: t.users, id: t.notes.id } })).toThrow(/id column of 'users'/);
  });

  it("feeds live subscriptions from a custom route", async () => {
    const t = use();
    const app = liveUsersApp(t);
    const db = track(t);
    app.post("/api/custom-action", async (c) => {
      const [row] = await db.insert(t.users).values({ name: "Custom", email: "c@x.io" }).returning();
      return c.json(row);
    });
    const { reader } = await openSse(app, "/api/users/subscribe");
    await reader.take(2);
    expect((await send(app, "POST", "/api/custom-action")).status).toBe(200);
    const [added] = await reader.take(1);
    expect(added!.event).toBe("added");
    expect(added!.data.row).toMatchObject({ id: 1, name: "Custom" });
    await reader.cancel();
  });

  it("a resource configured with the tracked db publishes each write once", async () => {
    const t = use();
    const db = track(t);
    const seen = recordFeed(t);
    const app = createCovara().resource("/users", t.users, { id: t.users.id, db, name: "users", auth: OPEN });
    expect((await send(app, "POST", "/api/users", { body: { name: "A", email: "a@x.io" } })).status).toBe(201);
    expect((await send(app, "PATCH", "/api/users/1", { body: { age: 4 } })).status).toBe(200);
    await db.update(t.users).set({ age: 5 }).where(eq(t.users.id, 1));
    expect(brief(seen)).toEqual([
      ["users", "create", 1],
      ["users", "update", 1],
      ["users", "update", 1],
    ]);
    await app.realtime.close();
  });

  it("caches selects until a tracked write, an endpoint write or recordExternalMutation empties the cache", async () => {
    const t = use();
    const db = track(t, { cache: { enabled: true, ttl: 60_000 } });
    const cache = queryCacheOf(db)!;
    const raw = t.db as any;
    await raw.insert(t.users).values({ name: "A", email: "a@x.io" });
    const names = async () =>
      (await db.select({ name: t.users.name }).from(t.users).orderBy(t.users.id)).map((r: any) => r.name);
    expect(await names()).toEqual(["A"]);
    // Written behind the cache's back: the cached answer is still served.
    await raw.insert(t.users).values({ name: "B", email: "b@x.io" });
    expect(await names()).toEqual(["A"]);
    expect(cache.hits).toBe(1);

    await db.insert(t.users).values({ name: "C", email: "c@x.io" }).returning();
    expect(await names()).toEqual(["A", "B", "C"]);

    const app = createCovara().resource("/users", t.users, { id: t.users.id, db: t.db, name: "users", auth: OPEN });
    await send(app, "POST", "/api/users", { body: { name: "D", email: "d@x.io" } });
    expect(await names()).toEqual(["A", "B", "C", "D"]);

    await raw.update(t.users).set({ name: "A!" }).where(eq(t.users.id, 1));
    expect((await names())[0]).toBe("A");
    await recordExternalMutation("users", "update", { objectId: 1 });
    expect((await names())[0]).toBe("A!");
    await app.realtime.close();
  });

  it("cached results are copies, differ by parameters, expire after the TTL and are not used in transactions", async () => {
    const t = use();
    const db = track(t, { cache: { enabled: true, ttl: 40 } });
    const cache = queryCacheOf(db)!;
    const raw = t.db as any;
    await raw.insert(t.users).values([
      { name: "A", email: "a@x.io", age: 1 },
      { name: "B", email: "b@x.io", age: 2 },
    ]);
    const byAge = (age: number) => db.select().from(t.users).where(eq(t.users.age, age));
    const first = await byAge(1);
    first[0].name = "mutated by the caller";
    expect((await byAge(1))[0].name).toBe("A");
    expect((await byAge(2))[0].name).toBe("B");
    await raw.update(t.users).set({ name: "A2" }).where(eq(t.users.id, 1));
    expect((await byAge(1))[0].name).toBe("A");
    await sleep(80);
    expect((await byAge(1))[0].name).toBe("A2");
    const before = cache.size;
    if (isSqlite()) db.transaction((tx: any) => tx.select().from(t.users).all());
    else await db.transaction(async (tx: any) => tx.select().from(t.users));
    expect(cache.size).toBe(before);
  });

  it("with a realtime hub, writes recorded by another process empty the cache", async () => {
    const t = use();
    const shared = createMemoryKV();
    const here = createRealtime({ kv: shared, namespace: "cache-test" });
    const elsewhere = createRealtime({ kv: shared, namespace: "cache-test" });
    const db = track(t, { cache: { enabled: true }, realtime: here });
    const raw = t.db as any;
    await raw.insert(t.users).values({ name: "A", email: "a@x.io" });
    const count = async () => (await db.select().from(t.users)).length;
    expect(await count()).toBe(1);
    await raw.insert(t.users).values({ name: "B", email: "b@x.io" });
    expect(await count()).toBe(1);
    await here.ready();
    await elsewhere.recordExternalMutation("users", "create", { objectId: 2 });
    await waitFor(() => queryCacheOf(db)!.size === 0);
    expect(await count()).toBe(2);
    await here.close();
    await elsewhere.close();
    await shared.close();
  });
});
