import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileToSql, evaluateRsql, parseRsql } from "../../../src/kernel/rsql/index.js";
import { type TestDb, SAMPLE_ROWS, createPgliteDb, createSqliteDb, sqlIds } from "./fixtures.js";

/** [filter, ids it must match] — each runs as SQLite SQL, Postgres SQL and in memory (with and without columns). */
const CASES: [string, number[]][] = [
  // equality and ordering
  ["name==Alice", [1]],
  ['name=eq="Alice"', [1]],
  ["name!=Alice", [2, 3, 4, 5, 6, 7, 8]],
  ['title!="hello there"', [1, 4, 5, 6, 7, 8]],
  ["title=ne=x", [1, 2, 4, 5, 6, 7, 8]],
  ["age>18", [1, 4, 6]],
  ["age=gt=18", [1, 4, 6]],
  ["age>=18", [1, 4, 5, 6]],
  ["age=ge=18", [1, 4, 5, 6]],
  ["age<18", [2, 7, 8]],
  ["age=lt=18", [2, 7, 8]],
  ["age<=0", [7, 8]],
  ["age=le=-3", [8]],
  ["score>=0.5", [1, 2, 6, 7, 8]],
  ["score<0", [4]],
  ["score==1e10", [8]],
  ["score==-1", [4]],
  ['age=="30"', [1]],
  // strings order by code point on both dialects
  ["name>b", [2, 4]],
  ['title>"z"', [7, 8]],
  ['title>"ﬀ"', [8]],
  ['title=between=("a","i")', [2]],
  // sets and ranges
  ["age=in=(17,18,99)", [2, 5]],
  ["age=in=(17,null)", [2]],
  ["age=in=17", [2]],
  ["age=in=()", []],
  ["age=out=(17,18)", [1, 4, 6, 7, 8]],
  ["age=nin=(17,18,null)", [1, 4, 6, 7, 8]],
  ["age=out=()", [1, 2, 4, 5, 6, 7, 8]],
  ["age=between=[18,45]", [1, 5, 6]],
  ["age=between=(18,45)", [1, 5, 6]],
  ["age=nbetween=[18,45]", [2, 4, 7, 8]],
  ["age=between=[45,18]", []],
  ["age=nbetween=[45,18]", [1, 2, 4, 5, 6, 7, 8]],
  ["age=between=[null,50]", []],
  // null and empty
  ["title=isnull=true", [3]],
  ["title=isnull=false", [1, 2, 4, 5, 6, 7, 8]],
  ["title=notnull=true", [1, 2, 4, 5, 6, 7, 8]],
  ["title=notnull=false", [3]],
  ["title=isempty=true", [3, 6]],
  ["title=isempty=false", [1, 2, 4, 5, 7, 8]],
  ["age=isempty=true", [3]],
  ["age=isempty=false", [1, 2, 4, 5, 6, 7, 8]],
  ["title==null", []],
  ["title!=null", []],
  // contains family: case-sensitive ones are case-sensitive on SQLite too; wildcards are literal
  ["title=contains=ello", [1, 2]],
  ["title=contains=hello", [2]],
  ['title=contains="%"', [4]],
  ['title=contains="_"', [4]],
  ['title=contains="\'"', [5]],
  ['title=contains="\\""', [5]],
  ['name=contains="*"', [7]],
  ['name=contains="?"', [7]],
  ['name=contains="[d]"', [7]],
  ['name=contains="\\\\"', [7]],
  ["title=ncontains=hello", [1, 4, 5, 6, 7, 8]],
  ["title=icontains=HELLO", [1, 2]],
  ['title=icontains="%"', [4]],
  ["title=nicontains=hello", [4, 5, 6, 7, 8]],
  ["name=startswith=A", [1, 6]],
  ["name=startswith=a", [7]],
  ["name=nstartswith=A", [2, 3, 4, 5, 7, 8]],
  ["name=istartswith=a", [1, 6, 7]],
  ["name=nistartswith=a", [2, 3, 4, 5, 8]],
  ["name=endswith=e", [1, 4, 5]],
  ["name=nendswith=e", [2, 3, 6, 7, 8]],
  ["name=iendswith=E", [1, 4, 5, 6]],
  ["name=niendswith=e", [2, 3, 7, 8]],
  ['title=endswith="_now"', [4]],
  // SQL-style patterns
  ['title=like="%o%"', [1, 2, 4, 5]],
  ['title=like="H%"', [1]],
  ['title=like="h_llo%"', [2]],
  ['title=like="50\\%%"', [4]],
  ['title=like="%\\_%"', [4]],
  ['title=like="_"', [7]],
  ['title=like="_ wide"', [8]],
  ['title=nlike="%o%"', [6, 7, 8]],
  ['title=ilike="HELLO%"', [1, 2]],
  ['title=nilike="hello%"', [4, 5, 6, 7, 8]],
  // case-insensitive equality and sets
  ["name=ieq=alice", [1, 6]],
  ["name=ine=alice", [2, 3, 4, 5, 7, 8]],
  ["name=iin=(alice,BOB)", [1, 2, 6]],
  ["name=iout=(alice,bob)", [3, 4, 5, 7, 8]],
  ["name=iin=()", []],
  // character length (code points)
  ["name=length=5", [1, 3, 6]],
  ["title=length=6", [8]],
  ["title=minlength=11", [1, 2, 4, 5]],
  ["title=maxlength=1", [6, 7]],
  // booleans
  ["active==true", [1, 4, 6]],
  ["active==false", [2, 5, 8]],
  ["active!=true", [2, 5, 8]],
  ["active==1", [1, 4, 6]],
  ['active=="false"', [2, 5, 8]],
  ["active=isnull=true", [3, 7]],
  ["active=in=(true)", [1, 4, 6]],
  // dates
  ["createdAt>2024-01-31", [4, 6, 7]],
  ["createdAt>=2024-01-31", [4, 5, 6, 7]],
  ['createdAt=="2024-01-31T10:00:00Z"', [7]],
  ["createdAt==2024-01-31T12:00:00+02:00", [7]],
  ["createdAt=between=[2024-01-01,2024-12-31]", [1, 5, 7]],
  ["createdAt<2021-01-01", [8]],
  ["createdAt=in=(2024-01-15T10:00:00Z,2020-02-29T08:00:00.000Z)", [1, 8]],
  ["createdAt!=2024-01-15T10:00:00Z", [2, 4, 5, 6, 7, 8]],
  // logic and precedence
  ["age>18;active==true", [1, 4, 6]],
  ["name==bob,name==Eve", [2, 5]],
  ["(age>18;active==true),name==bob", [1, 2, 4, 6]],
  ["age>18;active==true,name==bob", [1, 2, 4, 6]],
  ["age>18;(active==true,name==bob)", [1, 4, 6]],
  ["name==bob or name==Eve and age>17", [2, 5]],
  ["age<18 and (name==bob or name==Zoë)", [2, 8]],
  ["((((name==bob))))", [2]],
];

describe.each([
  ["sqlite", async () => createSqliteDb()],
  ["pglite", createPgliteDb],
] as const)("compileToSql on %s", (_name, create) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await create();
    await db.load(SAMPLE_ROWS);
  });
  afterAll(async () => db?.close());

  it.each(CASES)("%s", async (filter, expected) => {
    const ast = parseRsql(filter);
    expect(await sqlIds(db, ast)).toEqual(expected);
    const rows = await db.rows();
    const withFields = rows.filter((row) => evaluateRsql(ast, row as never, { fields: db.fields })).map((r) => r.id);
    expect(withFields).toEqual(expected);
    const runtime = rows.filter((row) => evaluateRsql(ast, row as never)).map((r) => r.id);
    expect(runtime).toEqual(expected);
  });

  it("binds dates through the column mapping", async () => {
    const condition = compileToSql(parseRsql("createdAt>2024-01-31;active==true"), {
      fields: db.fields,
      dialect: db.dialect,
    });
    const { params } = db.toQuery(condition);
    if (db.dialect === "sqlite") expect(params).toEqual([1706659200, 1]);
    else expect(params).toEqual(["2024-01-31T00:00:00.000Z", true]);
  });
});
