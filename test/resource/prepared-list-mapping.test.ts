/**
 * A first-page list on better-sqlite3 runs a cached prepared statement whose rows covara maps
 * itself (one decoder lookup per column, not per row). The rows must come out exactly as
 * Drizzle's own select maps them: dates, booleans, JSON, bigints and nulls included.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { blob, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { createCovara } from "../../src";

const things = sqliteTable("mapping_things", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }),
  active: integer("active", { mode: "boolean" }),
  meta: text("meta", { mode: "json" }).$type<{ tags: string[] }>(),
  score: real("score"),
  big: blob("big", { mode: "bigint" }),
});

function setup() {
  const sqlite = new Database(":memory:");
  sqlite.exec(
    "create table mapping_things (id integer primary key, name text not null, created_at integer, active integer, meta text, score real, big blob)",
  );
  const db = drizzle({ client: sqlite });
  db.insert(things)
    .values([
      {
        id: 1,
        name: "a",
        createdAt: new Date("2024-01-02T03:04:05.678Z"),
        active: true,
        meta: { tags: ["x"] },
        score: 1.5,
        big: 9007199254740993n,
      },
      { id: 2, name: "b", createdAt: null, active: false, meta: null, score: null, big: null },
    ])
    .run();
  const app = createCovara().resource("/things", things, { id: things.id, db, auth: { public: { read: true } } });
  return { app, db, sqlite };
}

describe("list: rows of a cached prepared statement", () => {
  it("are mapped like Drizzle's select, on the first request and on the cached ones", async () => {
    const { app, db, sqlite } = setup();
    const direct = db.select().from(things).orderBy(things.id).all();
    // Drizzle's rows, serialised the way covara answers (bigint as a string).
    const expected = JSON.parse(JSON.stringify(direct, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    for (let i = 0; i < 3; i++) {
      const res = await app.request("/api/things?limit=10");
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: unknown[] };
      expect(body.items).toEqual(expected);
    }
    expect(expected[0]).toMatchObject({
      createdAt: "2024-01-02T03:04:05.678Z",
      active: true,
      meta: { tags: ["x"] },
      big: "9007199254740993",
    });
    sqlite.close();
  });
});
