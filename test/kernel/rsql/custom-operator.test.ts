import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemError } from "../../../src/kernel/errors.js";
import {
  compileToSql,
  createOperatorRegistry,
  defaultOperators,
  defineOperator,
  evaluateRsql,
  parseRsql,
} from "../../../src/kernel/rsql/index.js";
import { type TestDb, SAMPLE_ROWS, createPgliteDb, createSqliteDb } from "./fixtures.js";

/** `age=near=20`: within 5 of the value. */
const near = defineOperator({
  name: "=near=",
  aliases: ["=close="],
  value: "single",
  columns: ["number"],
  toSql: (column, value) => sql`abs(${column} - ${sql.param(value)}) <= 5`,
  evaluate: (field, value) => typeof field === "number" && Math.abs(field - Number(value)) <= 5,
});

/** A deliberately unparenthesised OR, to check the compiler isolates it. */
const either = defineOperator({
  name: "=either=",
  value: "range",
  toSql: (column, [a, b]) => sql`${column} = ${sql.param(a, column)} or ${column} = ${sql.param(b, column)}`,
  evaluate: (field, [a, b]) => field === a || field === b,
});

/** Null-aware: treats a missing age as zero. */
const ageOrZero = defineOperator({
  name: "=orzero=",
  value: "single",
  nullAware: true,
  toSql: (column, value) => sql`coalesce(${column}, 0) = ${sql.param(value)}`,
  evaluate: (field, value) => (field ?? 0) === value,
});

describe("operator registry", () => {
  it("holds 30+ built-ins with their aliases", () => {
    const registry = createOperatorRegistry();
    expect(registry.list().length).toBeGreaterThanOrEqual(30);
    expect(registry.get(">=")).toBe(registry.get("=ge="));
    expect(registry.get("=nin=")?.name).toBe("=out=");
    expect(registry.has("=near=")).toBe(false);
  });

  it("registers custom operators by name, with aliases", () => {
    const registry = createOperatorRegistry([near]);
    registry.register(either);
    expect(registry.get("=close=")).toBe(near);
    expect(registry.get("=either=")).toBe(either);
    expect(parseRsql("age=close=20", { operators: registry })).toMatchObject({ operator: "=near=" });
  });

  it("refuses malformed or duplicate names", () => {
    const registry = createOperatorRegistry();
    expect(() => registry.register({ ...near, name: "near" })).toThrow(TypeError);
    expect(() => registry.register({ ...near, name: "=in=" })).toThrow(/already registered/);
    expect(() => registry.register({ ...near, aliases: [">="] })).toThrow(/already registered/);
    expect(() => registry.register({ ...near, aliases: ["=near="] })).toThrow(/repeats/);
    expect(() => registry.register({ ...near, value: "weird" as never })).toThrow(/value shape/);
    expect(() => defaultOperators().register(near)).toThrow(/read-only/);
  });

  it("is needed to parse a custom operator", () => {
    expect(() => parseRsql("age=near=20")).toThrow(ProblemError);
  });
});

describe.each([
  ["sqlite", async () => createSqliteDb()],
  ["pglite", createPgliteDb],
] as const)("custom operators on %s", (_name, create) => {
  let db: TestDb;
  const operators = createOperatorRegistry([near, either, ageOrZero]);
  beforeAll(async () => {
    db = await create();
    await db.load(SAMPLE_ROWS);
  });
  afterAll(async () => db?.close());

  const run = async (filter: string) => {
    const ast = parseRsql(filter, { operators });
    const ids = await db.idsWhere(compileToSql(ast, { fields: db.fields, dialect: db.dialect, operators }));
    const rows = await db.rows();
    const memory = rows.filter((r) => evaluateRsql(ast, r as never, { fields: db.fields, operators })).map((r) => r.id);
    const runtime = rows.filter((r) => evaluateRsql(ast, r as never, { operators })).map((r) => r.id);
    expect(memory).toEqual(ids);
    expect(runtime).toEqual(ids);
    return ids;
  };

  it("compiles and evaluates alike", async () => {
    expect(await run("age=near=20")).toEqual([2, 5]);
    expect(await run("age=close=0")).toEqual([7, 8]);
    expect(await run("age=near=20;name==bob")).toEqual([2]);
  });

  it("isolates an operator's SQL in parentheses", async () => {
    expect(await run("active==false;age=either=(17,65)")).toEqual([2]);
    expect(await run("age=either=(17,65);active==false")).toEqual([2]);
  });

  it("lets a null-aware operator see null fields", async () => {
    expect(await run("age=orzero=0")).toEqual([3, 7]);
  });

  it("enforces the operator's column kinds", () => {
    expect(() =>
      compileToSql(parseRsql("name=near=3", { operators }), { fields: db.fields, dialect: db.dialect, operators }),
    ).toThrow(/cannot be used on field 'name'/);
  });
});
