import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemError } from "../../../src/kernel/errors.js";
import { compileToSql, evaluateRsql, parseRsql, rsql } from "../../../src/kernel/rsql/index.js";
import { type TestDb, SAMPLE_ROWS, createPgliteDb, createSqliteDb } from "./fixtures.js";

const PAYLOADS = [
  "'); DROP TABLE items;--",
  "' OR '1'='1",
  '" OR 1=1 --',
  "1; DELETE FROM items",
  "\\'; drop table items; --",
  "%' OR name LIKE '%",
  "Robert'); DROP TABLE Students;--",
  "$1",
  "?",
  "*/ or /*",
  'x" or "1"="1',
  "') UNION SELECT name, name FROM sqlite_master --",
];

const OPERATORS = [
  "==",
  "!=",
  "=contains=",
  "=icontains=",
  "=startswith=",
  "=like=",
  "=ilike=",
  "=ieq=",
  "=in=",
  "=iin=",
];

describe.each([
  ["sqlite", async () => createSqliteDb()],
  ["pglite", createPgliteDb],
] as const)("injection on %s", (_name, create) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await create();
    await db.load(SAMPLE_ROWS);
  });
  afterAll(async () => db?.close());

  it.each(PAYLOADS)("keeps %j a bound parameter", async (payload) => {
    const strip = (v: unknown) => String(v).replace(/[\\[\]%*?_]/g, "");
    for (const operator of OPERATORS) {
      const compile = (v: string) => {
        const value = operator.endsWith("in=") ? rsql`${[v]}` : rsql`${v}`;
        const ast = parseRsql(`name${operator}${value.text}`);
        return { ast, condition: compileToSql(ast, { fields: db.fields, dialect: db.dialect }) };
      };
      const { ast, condition } = compile(payload);
      const query = db.toQuery(condition);
      // The SQL text is exactly what a harmless value produces: the payload lives only in params.
      expect(query.sql).toBe(db.toQuery(compile("harmless").condition).sql);
      expect(query.params.some((p) => strip(p).includes(strip(payload)))).toBe(true);
      const ids = await db.idsWhere(condition);
      const expected = (await db.rows())
        .filter((r) => evaluateRsql(ast, r as never, { fields: db.fields }))
        .map((r) => r.id);
      expect(ids).toEqual(expected);
    }
    expect(await db.tableExists()).toBe(true);
    expect(await db.rows()).toHaveLength(SAMPLE_ROWS.length);
  });

  it("never lets a field name reach SQL unless it is a known column", () => {
    const attempts = [
      "name;drop==1",
      '"name) or 1=1 --"==1',
      "constructor==1",
      "__proto__==1",
      "toString==x",
      "items.name==x",
    ];
    for (const filter of attempts) {
      expect(() => compileToSql(parseRsql(filter), { fields: db.fields, dialect: db.dialect })).toThrow(ProblemError);
    }
  });
});
