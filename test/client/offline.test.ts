/**
 * The offline layer against a real server: writes made while the server is unreachable apply at
 * once (temporary ids), replay in order when it is back, and end in exactly the expected rows;
 * refused writes roll back and are reported; a version conflict merges field by field or asks;
 * the server's own live event never doubles an optimistic row; the queue persists in IndexedDB
 * and falls back to memory on a quota error.
 */
import "fake-indexeddb/auto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  indexedDbQueueStorage,
  liveList,
  memoryQueueStorage,
  type CovaraClientError,
  type OfflineConflict,
  type QueuedMutation,
} from "../../src/client";
import { startClientTestServer, type ClientTestServer } from "./fixtures/server";

interface User {
  id: number | string;
  name: string;
  email: string;
  age: number | null;
  role: string;
  version: number;
}

let server: ClientTestServer;
beforeAll(async () => {
  server = await startClientTestServer();
});
afterAll(async () => server?.close());

async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }
}

const names = (rows: readonly User[]) => rows.map((u) => u.name);

describe("offline", () => {
  it("queues create/update/delete while the server is down, replays in order, and ends with exactly the expected rows", async () => {
    const client = createClient({ baseUrl: server.url, offline: { storage: memoryQueueStorage(), retryMs: 100 } });
    const users = client.resource<User>("/api/users");
    const keep = await users.create({ name: "o-keep", email: "o-keep@x.io", role: "off" });
    const drop = await users.create({ name: "o-drop", email: "o-drop@x.io", role: "off" });
    const list = liveList<User>(client, "/api/users", { filter: "role==off", orderBy: "name" });
    await eventually(() => expect(names(list.store.items)).toEqual(["o-drop", "o-keep"]));

    await server.restart(async () => {
      await list.mutate.create({ name: "o-new", email: "o-new@x.io", role: "off" });
      const temp = list.store.items.find((u) => u.name === "o-new")!;
      expect(String(temp.id)).toMatch(/^tmp_/);
      await list.mutate.update(temp.id, { name: "o-new2" });
      await list.mutate.update(keep.id, { age: 7 });
      await list.mutate.delete(drop.id);
      expect(names(list.store.items)).toEqual(["o-keep", "o-new2"]);
      expect(client.offline!.pending()).toHaveLength(4);
      await new Promise((resolve) => setTimeout(resolve, 250)); // retries fail meanwhile
    });

    await eventually(() => expect(client.offline!.pending()).toHaveLength(0));
    const fresh = await users.list({ filter: "role==off", orderBy: "name" });
    expect(fresh.items.map((u) => [u.name, u.age])).toEqual([
      ["o-keep", 7],
      ["o-new2", null],
    ]);
    await eventually(() => expect(list.store.items).toEqual(fresh.items));
    list.close();
  });

  it("a queued write the server refuses is removed from the queue, rolled back, and reported", async () => {
    const rejected: [QueuedMutation, CovaraClientError][] = [];
    const client = createClient({
      baseUrl: server.url,
      offline: { storage: memoryQueueStorage(), retryMs: 100, onRejected: (m, e) => rejected.push([m, e]) },
    });
    const users = client.resource<User>("/api/users");
    const existing = await users.create({ name: "r-keep", email: "r-keep@x.io", role: "rej" });
    const list = liveList<User>(client, "/api/users", { filter: "role==rej", orderBy: "name" });
    await eventually(() => expect(names(list.store.items)).toEqual(["r-keep"]));

    await server.restart(async () => {
      await list.mutate.create({ name: "r-dup", email: "r-keep@x.io", role: "rej" }); // 409 unique email
      await list.mutate.update(existing.id, { age: "not a number" } as never); // 400 validation
      await list.mutate.create({ name: "forbidden", email: "r-f@x.io", role: "rej" }); // 403 scope
      await list.mutate.update(existing.id, { nickname: "x" } as never); // 422 unknown field
      await list.mutate.update(existing.id, { age: 3 }); // accepted: the queue goes on past refusals
      expect(names(list.store.items)).toEqual(["forbidden", "r-dup", "r-keep"]);
    });

    await eventually(() => expect(rejected).toHaveLength(4));
    expect(rejected.map(([m, e]) => [m.op, e.status, e.code])).toEqual([
      ["create", 409, "CONFLICT"],
      ["update", 400, "VALIDATION_ERROR"],
      ["create", 403, "FORBIDDEN"],
      ["update", 422, "UNKNOWN_FIELD"],
    ]);
    await eventually(() => expect(client.offline!.pending()).toHaveLength(0));
    await eventually(() => expect(list.store.items.map((u) => [u.name, u.age])).toEqual([["r-keep", 3]]));
    list.close();
  });

  it("merges field by field when the server changed other fields, and asks onConflict when it changed the same one", async () => {
    const conflicts: OfflineConflict[] = [];
    const client = createClient({
      baseUrl: server.url,
      offline: { storage: memoryQueueStorage(), retryMs: 100, onConflict: (c) => (conflicts.push(c), "local") },
    });
    const users = client.resource<User>("/api/users");
    const row = await users.create({ name: "m-1", email: "m-1@x.io", role: "merge", age: 1 });
    const list = liveList<User>(client, "/api/users", { filter: "role==merge" });
    await eventually(() => expect(list.store.items).toHaveLength(1));

    await server.restart(async (other) => {
      await list.mutate.update(row.id, { name: "m-local" });
      await list.mutate.update(row.id, { age: 2 });
      // Meanwhile, elsewhere: the server row changes email (another field) and age (the same field).
      const res = await other.request(`/api/users/${row.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "m-server@x.io", age: 99 }),
      });
      expect(res.status).toBe(200);
    });

    await eventually(() => expect(client.offline!.pending()).toHaveLength(0));
    const final = await users.get(row.id);
    expect(final).toMatchObject({ name: "m-local", email: "m-server@x.io", age: 2 });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ fields: ["age"], server: { age: 99 } });
    await eventually(() =>
      expect(list.store.items[0]).toMatchObject({ name: "m-local", email: "m-server@x.io", age: 2 }),
    );
    list.close();
  });

  it("never shows a phantom or duplicate row when the live event of its own create arrives", async () => {
    const client = createClient({ baseUrl: server.url, offline: { storage: memoryQueueStorage(), retryMs: 100 } });
    const list = liveList<User>(client, "/api/users", { filter: "role==dup" });
    await eventually(() => expect(list.status).toBe("open"));
    let worst = 0;
    list.store.subscribe(() => {
      worst = Math.max(worst, list.store.items.length);
    });
    for (let i = 0; i < 5; i++) await list.mutate.create({ name: `d-${i}`, email: `d-${i}@x.io`, role: "dup" });
    await eventually(() => expect(client.offline!.pending()).toHaveLength(0));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(list.store.items).toHaveLength(5);
    expect(list.store.items.every((u) => typeof u.id === "number")).toBe(true);
    expect(worst).toBe(5);
    list.close();
  });

  it("a created row outside the list's filter leaves the list once the server has it (no phantom)", async () => {
    const client = createClient({
      baseUrl: server.url,
      offline: { storage: memoryQueueStorage(), retryMs: 100, confirmMs: 300 },
    });
    const list = liveList<User>(client, "/api/users", { filter: "role==inside" });
    await eventually(() => expect(list.status).toBe("open"));
    await list.mutate.create({ name: "in", email: "in@x.io", role: "inside" });
    await list.mutate.create({ name: "out", email: "out@x.io", role: "outside" });
    expect(names(list.store.items).sort()).toEqual(["in", "out"]); // optimistic: both shown
    await eventually(() => expect(client.offline!.pending()).toHaveLength(0));
    await eventually(() => expect(names(list.store.items)).toEqual(["in"]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(names(list.store.items)).toEqual(["in"]); // the confirmed row stays
    list.close();
  });

  it("persists the queue in IndexedDB across a reload, and falls back to memory with a warning on a quota error", async () => {
    const storage = indexedDbQueueStorage({ name: "covara-offline-test" });
    const m: QueuedMutation = {
      id: "q1",
      seq: 1,
      path: "/api/users",
      op: "create",
      rowId: "tmp_1",
      data: { name: "p" },
      createdAt: 1,
    };
    await storage.put(m);
    expect(await indexedDbQueueStorage({ name: "covara-offline-test" }).load()).toEqual([m]);
    await storage.delete("q1");
    expect(await storage.load()).toEqual([]);

    // A full disk: IndexedDB refuses every write with QuotaExceededError (fault injected at put).
    const warnings: string[] = [];
    const real = indexedDB;
    const full: IDBFactory = {
      ...real,
      cmp: real.cmp.bind(real),
      databases: real.databases.bind(real),
      deleteDatabase: real.deleteDatabase.bind(real),
      open: (...args: Parameters<IDBFactory["open"]>) => {
        const req = real.open(...args);
        req.addEventListener("success", () => {
          const db = req.result;
          const transaction = db.transaction.bind(db);
          db.transaction = ((...targs: Parameters<IDBDatabase["transaction"]>) => {
            const tx = transaction(...targs);
            const objectStore = tx.objectStore.bind(tx);
            tx.objectStore = (name: string) => {
              const store = objectStore(name);
              store.put = () => {
                throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
              };
              return store;
            };
            return tx;
          }) as IDBDatabase["transaction"];
        });
        return req;
      },
    };
    const limited = indexedDbQueueStorage({
      name: "covara-offline-full",
      indexedDB: full,
      warn: (w) => warnings.push(w),
    });
    await limited.put({ ...m, id: "q2" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/QuotaExceededError.*memory/);
    expect((await limited.load()).map((q) => q.id)).toEqual(["q2"]);
  });
});
