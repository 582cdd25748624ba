/**
 * Every SessionStore against every backend: the memory store, the KV store over the memory KV and
 * the real Redis, and the Drizzle store over better-sqlite3, PGlite and the real PostgreSQL.
 */
import { describe } from "vitest";
import { createDrizzleSessionStore } from "../../../src/auth/stores/drizzle-session-store";
import { createKVSessionStore } from "../../../src/auth/stores/kv-session-store";
import { createMemorySessionStore } from "../../../src/auth/stores/memory-session-store";
import { migrateInternal } from "../../../src/db";
import { databaseTargets, kvTargets, runs, uniquePrefix } from "./backends";
import { runSessionStoreSuite } from "./session-store-suite";

runSessionStoreSuite("memory store", async () => ({ store: createMemorySessionStore(), close: async () => {} }));

for (const target of kvTargets) {
  if (!(await runs(target))) {
    describe.skip(`SessionStore behaviour: KV store over ${target.name} (unavailable)`, () => {});
    continue;
  }
  runSessionStoreSuite(`KV store over ${target.name}`, async () => {
    const kv = await target.open();
    const prefix = uniquePrefix("sessions");
    return {
      store: createKVSessionStore({ kv, prefix }),
      async close() {
        for (const key of await kv.keys(prefix)) await kv.delete(key);
        await kv.close();
      },
    };
  });
}

for (const target of databaseTargets) {
  if (!(await runs(target))) {
    describe.skip(`SessionStore behaviour: Drizzle store over ${target.name} (unavailable)`, () => {});
    continue;
  }
  runSessionStoreSuite(`Drizzle store over ${target.name}`, async () => {
    const database = await target.open();
    await migrateInternal(database.db);
    return { store: createDrizzleSessionStore({ db: database.db }), close: () => database.close() };
  });
}
