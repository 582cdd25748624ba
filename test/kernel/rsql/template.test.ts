import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RsqlFilter, isRsqlFilter, parseRsql, rsql, rsqlToString } from "../../../src/kernel/rsql/index.js";

describe("rsql tag", () => {
  it("serialises interpolated values safely", () => {
    const filter = rsql`userId==${"u1"};status=in=${["a", "b"]}`;
    expect(filter).toBeInstanceOf(RsqlFilter);
    expect(filter.text).toBe(`userId=="u1";status=in=("a","b")`);
    expect(String(filter)).toBe(filter.text);
    expect(JSON.stringify({ filter })).toBe(JSON.stringify({ filter: filter.text }));
  });

  it("writes numbers, booleans, null, undefined, bigint and dates", () => {
    const when = new Date("2024-01-31T10:00:00.000Z");
    expect(rsql`a==${42};b==${-1.5};c==${true};d==${null};e==${undefined};f==${10n};g>${when}`.text).toBe(
      `a==42;b==-1.5;c==true;d==null;e==null;f==10;g>"2024-01-31T10:00:00.000Z"`,
    );
    expect(rsql`a=between=${[1, 2]}`.text).toBe("a=between=(1,2)");
    expect(rsql`a=in=${[]}`.text).toBe("a=in=()");
  });

  it("keeps an injection attempt inside one string value", () => {
    const evil = `x";role=="admin`;
    const ast = parseRsql(rsql`userId==${evil}`.text);
    expect(ast).toEqual({ type: "comparison", field: "userId", operator: "==", value: evil, position: 0 });
    const list = parseRsql(rsql`id=in=${[`a"),(role==admin`, "b\\"]}`.text);
    expect(list).toMatchObject({ type: "comparison", value: [`a"),(role==admin`, "b\\"] });
  });

  it("inserts a nested filter as a parenthesised sub-expression", () => {
    const inner = rsql`b==${2},c==${3}`;
    const outer = rsql`a==${1};${inner}`;
    expect(outer.text).toBe("a==1;(b==2,c==3)");
    expect(parseRsql(outer.text)).toMatchObject({
      type: "and",
      children: [{ field: "a" }, { type: "or", children: [{ field: "b" }, { field: "c" }] }],
    });
  });

  it("keeps template backslashes as typed", () => {
    expect(rsql`name=="a\"b"`.text).toBe(`name=="a\\"b"`);
    expect(parseRsql(rsql`name=="a\"b"`.text)).toMatchObject({ value: 'a"b' });
  });

  it("refuses values it cannot write", () => {
    expect(() => rsql`a==${Number.NaN}`).toThrow(TypeError);
    expect(() => rsql`a==${Number.POSITIVE_INFINITY}`).toThrow(TypeError);
    expect(() => rsql`a==${new Date("nope")}`).toThrow(TypeError);
    expect(() => rsql`a==${{ toString: () => "x" }}`).toThrow(TypeError);
    expect(() => rsql`a=in=${[[1]]}`).toThrow(TypeError);
  });

  it("recognises filters", () => {
    expect(isRsqlFilter(rsql`a==1`)).toBe(true);
    expect(isRsqlFilter("a==1")).toBe(false);
    expect(isRsqlFilter(null)).toBe(false);
    expect(isRsqlFilter({ text: "a==1" })).toBe(false);
  });

  it("round-trips any string through interpolation", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.array(fc.string(), { maxLength: 4 }), (s, list) => {
        fc.pre(!s.includes("\0") && !list.some((x) => x.includes("\0")));
        expect(parseRsql(rsql`f==${s}`.text, { maxLength: 1e6 })).toMatchObject({ value: s });
        expect(parseRsql(rsql`f=in=${list}`.text, { maxLength: 1e6 })).toMatchObject({ value: list });
      }),
      { numRuns: 300 },
    );
  });
});

describe("rsqlToString", () => {
  it("writes canonical text", () => {
    expect(rsqlToString(parseRsql(`name == 'O\\'Brien' and (age>=18 or role=in=(a,"b"))`))).toBe(
      `name=="O'Brien";(age=ge=18,role=in=("a","b"))`,
    );
    expect(rsqlToString(parseRsql("a==1;b==2,c==3"))).toBe("a==1;b==2,c==3");
    expect(rsqlToString(parseRsql("(a==1,b==2);c==3"))).toBe("(a==1,b==2);c==3");
    expect(rsqlToString(parseRsql("a==1;(b==2;c==3)"))).toBe("a==1;(b==2;c==3)");
    expect(rsqlToString(parseRsql("d>2024-01-31"))).toBe("d=gt=2024-01-31T00:00:00.000Z");
    expect(rsqlToString(parseRsql('s=="tab\\tnl\\n\\u0001"'))).toBe('s=="tab\\tnl\\n\\u0001"');
    expect(rsqlToString(parseRsql("n==-0"))).toBe("n==-0");
  });

  it("writes single-child groups as their child", () => {
    const child = parseRsql("a==1");
    expect(rsqlToString({ type: "and", children: [child] })).toBe("a==1");
    expect(() => rsqlToString({ type: "or", children: [] })).toThrow(TypeError);
    expect(() => rsqlToString({ type: "comparison", field: "a b", operator: "==", value: 1, position: 0 })).toThrow(
      TypeError,
    );
  });
});
