import type { PGlite } from "@electric-sql/pglite";
import Database from "better-sqlite3";
import { type Column, asc, getTableColumns } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import * as pg from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import * as lite from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemError } from "../../../src/kernel/errors.js";
import {
  type RsqlComparison,
  coerceFilter,
  compileToSql,
  evaluateRsql,
  getFilterFields,
  parseRsql,
} from "../../../src/kernel/rsql/index.js";
import { pgItems, sqliteItems } from "./fixtures.js";
import { openPglite } from "../../helpers/pglite";

const liteFields = getTableColumns(sqliteItems);
const pgFields = getTableColumns(pgItems);

function coerced(filter: string, fields: Record<string, Column> = liteFields): RsqlComparison["value"] {
  return (coerceFilter(parseRsql(filter), fields) as RsqlComparison).value;
}

function problem(fn: () => unknown): ProblemError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).problemType).toBe("filter-parse-error");
    return err as ProblemError;
  }
  throw new Error("expected a filter-parse-error");
}

describe("coerceFilter", () => {
  it("converts values to the column's type", () => {
    expect(coerced('age=="30"')).toBe(30);
    expect(coerced("age=in=(1,'2')")).toEqual([1, 2]);
    expect(coerced("score=='2.5'")).toBe(2.5);
    expect(coerced('createdAt=="2024-01-31"')).toEqual(new Date("2024-01-31T00:00:00Z"));
    expect(coerced("active==1")).toBe(true);
    expect(coerced("active=='false'")).toBe(false);
    expect(coerced("age=in=(1,null)")).toEqual([1, null]);
  });

  it("gives string columns the text the user typed", () => {
    expect(coerced("title==1.50")).toBe("1.50");
    expect(coerced("title==2024-01-31")).toBe("2024-01-31");
    expect(coerced("title==true")).toBe("true");
    expect(coerced("title=in=(1e3,x)")).toEqual(["1e3", "x"]);
    expect(coerced('title=="1.50"')).toBe("1.50");
  });

  it("rounds dates to what the column stores", () => {
    // SQLite `integer({ mode: "timestamp" })` keeps whole seconds.
    expect(coerced("createdAt==2024-01-31T10:00:00.900Z")).toEqual(new Date("2024-01-31T10:00:00Z"));
    expect(coerced("createdAt==2024-01-31T10:00:00.900Z", pgFields)).toEqual(new Date("2024-01-31T10:00:00.900Z"));
  });

  it("explains values that do not fit", () => {
    const notNumber = problem(() => coerced("age==abc"));
    expect(notNumber.detail).toMatch(/^Value 'abc' is not a number for field 'age'/);
    expect(notNumber.extensions).toEqual({ position: 0, field: "age", operator: "==" });
    expect(problem(() => coerced("age==2.5")).detail).toMatch(/is not an integer/);
    expect(problem(() => coerced("age==99999999999", pgFields)).detail).toMatch(/between -2147483648 and 2147483647/);
    expect(coerced("age==99999999999")).toBe(99999999999);
    expect(problem(() => coerced("active==maybe")).detail).toMatch(/not a boolean/);
    expect(problem(() => coerced("createdAt==yesterday")).detail).toMatch(/not an ISO 8601 date/);
    expect(problem(() => coerced("createdAt==5")).detail).toMatch(/not an ISO 8601 date/);
    expect(problem(() => coerced("age=in=(1,x)")).detail).toMatch(/'x' is not a number/);
  });

  it("refuses unknown fields with their position", () => {
    const err = problem(() => compileToSql(parseRsql("age>1;nope==2"), { fields: liteFields, dialect: "sqlite" }));
    expect(err.detail).toBe("Unknown field 'nope' at position 6");
    expect(err.extensions).toEqual({ position: 6, field: "nope" });
    expect(problem(() => coerced("author.name==x")).extensions.field).toBe("author.name");
    expect(problem(() => coerced("hasOwnProperty==x")).detail).toMatch(/Unknown field/);
  });

  it("refuses json columns and string operators on other kinds", () => {
    expect(problem(() => coerced("meta==x")).detail).toMatch(/'meta' \(json\) cannot be filtered/);
    expect(problem(() => coerced("meta=isnull=true", pgFields)).detail).toMatch(/cannot be filtered/);
    expect(problem(() => coerced("age=contains=1")).detail).toMatch(
      /Operator '=contains=' cannot be used on field 'age' \(number\)/,
    );
    expect(problem(() => coerced("active=like=t%")).detail).toMatch(/cannot be used/);
  });

  it("checks value shapes of hand-built trees", () => {
    const node: RsqlComparison = { type: "comparison", field: "age", operator: "=in=", value: 3, position: 0 };
    expect(problem(() => coerceFilter(node, liteFields)).detail).toMatch(/wrong shape/);
    expect(problem(() => evaluateRsql(node, { age: 3 })).detail).toMatch(/wrong shape/);
  });
});

describe("getFilterFields", () => {
  it("lists each field once, in order", () => {
    expect(getFilterFields(parseRsql("a==1;(b==2,a==3);c.d==4"))).toEqual(["a", "b", "c.d"]);
  });
});

describe("evaluateRsql without columns", () => {
  it("treats a missing field as null", () => {
    expect(evaluateRsql(parseRsql("x!=1"), {})).toBe(false);
    expect(evaluateRsql(parseRsql("x=out=(1)"), {})).toBe(false);
    expect(evaluateRsql(parseRsql("x=isnull=true"), {})).toBe(true);
    expect(evaluateRsql(parseRsql("x=isempty=true"), { x: "" })).toBe(true);
  });

  it("follows dotted fields into nested objects, never into prototypes", () => {
    expect(evaluateRsql(parseRsql("author.name==bob"), { author: { name: "bob" } })).toBe(true);
    expect(evaluateRsql(parseRsql("author.name==bob"), { "author.name": "bob" })).toBe(true);
    expect(evaluateRsql(parseRsql("constructor.name==Object"), {})).toBe(false);
    expect(evaluateRsql(parseRsql("toString=isnull=true"), {})).toBe(true);
  });

  it("adapts values to the row's runtime types", () => {
    expect(evaluateRsql(parseRsql('age=="30"'), { age: 30 })).toBe(true);
    expect(evaluateRsql(parseRsql("code==007"), { code: "007" })).toBe(true);
    expect(evaluateRsql(parseRsql("code==1.50"), { code: "1.50" })).toBe(true);
    expect(evaluateRsql(parseRsql("at>2024-01-01"), { at: new Date("2024-06-01") })).toBe(true);
    expect(evaluateRsql(parseRsql("n==9007199254740993"), { n: 9007199254740993n })).toBe(true);
    expect(evaluateRsql(parseRsql("age==abc"), { age: 30 })).toBe(false);
    expect(evaluateRsql(parseRsql("age!=abc"), { age: 30 })).toBe(false);
    expect(evaluateRsql(parseRsql("age=in=(abc,30)"), { age: 30 })).toBe(true);
  });

  it("reads JSON-shaped rows against columns (date strings)", () => {
    const row = { createdAt: "2024-01-31T10:00:00.000Z", age: "30" };
    expect(evaluateRsql(parseRsql("createdAt>2024-01-31;age>=30"), row, { fields: pgFields })).toBe(true);
  });
});

describe("Postgres column types beyond text and numbers", () => {
  const mood = pg.pgEnum("mood", ["sad", "ok", "happy"]);
  const specials = pg.pgTable("specials", {
    id: pg.integer("id").primaryKey(),
    uid: pg.uuid("uid"),
    mood: mood("mood"),
    price: pg.numeric("price"),
    day: pg.date("day", { mode: "date" }),
    small: pg.smallint("small"),
    big: pg.bigint("big", { mode: "bigint" }),
    ts0: pg.timestamp("ts0", { precision: 0, mode: "date" }),
    tags: pg.text("tags").array(),
    code: pg.varchar("code", { length: 10 }),
  });
  const fields = getTableColumns(specials);
  let client: PGlite;
  let db: ReturnType<typeof drizzlePglite>;

  beforeAll(async () => {
    client = await openPglite();
    await client.exec(`
      create type mood as enum ('sad', 'ok', 'happy');
      create table specials (id integer primary key, uid uuid, mood mood, price numeric, day date,
        small smallint, big bigint, ts0 timestamp(0), tags text[], code varchar(10));`);
    db = drizzlePglite(client);
    await db.insert(specials).values([
      {
        id: 1,
        uid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        mood: "happy",
        price: "9.50",
        day: new Date("2024-01-31T00:00:00Z"),
        small: 5,
        big: 9007199254740993n,
        ts0: new Date("2024-01-01T00:00:01Z"),
        tags: ["x"],
        code: "ABC",
      },
      {
        id: 2,
        uid: "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12",
        mood: "sad",
        price: "10",
        day: new Date("2024-02-01T00:00:00Z"),
        small: -2,
        big: 1n,
        ts0: new Date("2024-01-01T00:00:00Z"),
        tags: [],
        code: "abd",
      },
      { id: 3 },
    ]);
  });
  afterAll(async () => client?.close());

  const run = async (filter: string) => {
    const ast = parseRsql(filter);
    const where = compileToSql(ast, { fields, dialect: "pg" });
    const ids = (await db.select({ id: specials.id }).from(specials).where(where).orderBy(asc(specials.id))).map(
      (r) => r.id,
    );
    const rows = await db.select().from(specials).orderBy(asc(specials.id));
    expect(
      rows.filter((r) => evaluateRsql(ast, r, { fields })).map((r) => r.id),
      filter,
    ).toEqual(ids);
    return ids;
  };

  it.each([
    ["uid==A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", [1]],
    ["uid=in=(a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12)", [1, 2]],
    ["uid=icontains=BC99", [1, 2]],
    ["uid=startswith=a0", [1]],
    ["uid=isempty=false", [1, 2]],
    ["uid>A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", [2]],
    ["uid=between=[00000000-0000-0000-0000-000000000000,b0000000-0000-0000-0000-000000000000]", [1]],
    ["mood==happy", [1]],
    ["mood==bogus", []],
    ["mood>ok", [2]],
    ["mood=icontains=AP", [1]],
    ["mood=isempty=true", [3]],
    ["price>9.6", [2]],
    ["price<10", [1]],
    ["price==9.5", [1]],
    ["day==2024-01-31T15:00:00Z", [1]],
    ["day>2024-01-31T15:00:00Z", [2]],
    ["day>=2024-02-01", [2]],
    ["small<0", [2]],
    ["big==9007199254740993", [1]],
    ['big=="9007199254740993"', [1]],
    ["big>1", [1]],
    ["ts0==2024-01-01T00:00:01Z", [1]],
    ["ts0>2024-01-01T00:00:00.600Z", [1]],
    ["code=like=A%", [1]],
    ["code=ilike=a%", [1, 2]],
  ] as [string, number[]][])("%s", async (filter, expected) => {
    expect(await run(filter)).toEqual(expected);
  });

  it("refuses what Postgres would reject", () => {
    expect(problem(() => compileToSql(parseRsql("uid==nope"), { fields, dialect: "pg" })).detail).toMatch(/not a UUID/);
    expect(problem(() => compileToSql(parseRsql("small==70000"), { fields, dialect: "pg" })).detail).toMatch(/between/);
    expect(problem(() => compileToSql(parseRsql("tags==x"), { fields, dialect: "pg" })).detail).toMatch(
      /'tags' \(array\) cannot be filtered/,
    );
  });
});

describe("SQLite column types beyond text and numbers", () => {
  const specials = lite.sqliteTable("specials", {
    id: lite.integer("id").primaryKey(),
    price: lite.numeric("price"),
    tms: lite.integer("tms", { mode: "timestamp_ms" }),
    mood: lite.text("mood", { enum: ["sad", "ok", "happy"] }),
    big: lite.numeric("big", { mode: "bigint" }),
    blob: lite.blob("blob", { mode: "bigint" }),
  });
  const fields = getTableColumns(specials);
  const client = new Database(":memory:");
  client.exec(
    "create table specials (id integer primary key, price numeric, tms integer, mood text, big numeric, blob blob)",
  );
  const db = drizzleSqlite(client);
  db.insert(specials)
    .values([
      { id: 1, price: "9.50", tms: new Date("2024-01-01T00:00:00.250Z"), mood: "happy", big: 5n },
      { id: 2, price: "10", tms: new Date("2024-01-01T00:00:00.750Z"), mood: "sad", big: 1n },
      { id: 3 },
    ])
    .run();
  afterAll(() => client.close());

  const run = (filter: string) => {
    const ast = parseRsql(filter);
    const where = compileToSql(ast, { fields, dialect: "sqlite" });
    const ids = db
      .select({ id: specials.id })
      .from(specials)
      .where(where)
      .orderBy(asc(specials.id))
      .all()
      .map((r) => r.id);
    const rows = db.select().from(specials).orderBy(asc(specials.id)).all();
    expect(
      rows.filter((r) => evaluateRsql(ast, r, { fields })).map((r) => r.id),
      filter,
    ).toEqual(ids);
    return ids;
  };

  it.each([
    ["price>9.6", [2]],
    ["price==9.5", [1]],
    ["tms>2024-01-01T00:00:00.500Z", [2]],
    ["tms==2024-01-01T00:00:00.250Z", [1]],
    ["mood=in=(happy,ok)", [1]],
    ["big>=5", [1]],
  ] as [string, number[]][])("%s", (filter, expected) => {
    expect(run(filter)).toEqual(expected);
  });

  it("refuses blob columns", () => {
    expect(problem(() => compileToSql(parseRsql("blob==1"), { fields, dialect: "sqlite" })).detail).toMatch(
      /cannot be filtered/,
    );
  });
});
