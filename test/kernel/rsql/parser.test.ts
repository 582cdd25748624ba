import { describe, expect, it } from "vitest";
import { ProblemError } from "../../../src/kernel/errors.js";
import { tokenize } from "../../../src/kernel/rsql/lexer.js";
import {
  type RsqlComparison,
  type RsqlNode,
  RSQL_LIMITS,
  defaultOperators,
  parseRsql,
} from "../../../src/kernel/rsql/index.js";

function cmp(field: string, operator: string, value: RsqlComparison["value"], position: number): RsqlComparison {
  return { type: "comparison", field, operator, value, position };
}

function parseError(input: string, options?: Parameters<typeof parseRsql>[1]): ProblemError {
  try {
    parseRsql(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    const problem = err as ProblemError;
    expect(problem.problemType).toBe("filter-parse-error");
    expect(problem.status).toBe(400);
    return problem;
  }
  throw new Error(`expected '${input.slice(0, 80)}' to fail`);
}

function only(node: RsqlNode): RsqlComparison {
  expect(node.type).toBe("comparison");
  return node as RsqlComparison;
}

describe("lexer", () => {
  it("splits punctuation, operators, strings and words with offsets", () => {
    const tokens = tokenize(`a.b=in=("x",2) ; c>=-1.5`);
    expect(tokens.map((t) => [t.kind, t.value, t.start])).toEqual([
      ["word", "a.b", 0],
      ["operator", "=in=", 3],
      ["(", "(", 7],
      ["string", "x", 8],
      [",", ",", 11],
      ["word", "2", 12],
      [")", ")", 13],
      [";", ";", 15],
      ["word", "c", 17],
      ["operator", ">=", 18],
      ["word", "-1.5", 20],
      ["eof", "", 24],
    ]);
  });

  it("reads every symbolic operator", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) {
      expect(tokenize(`a${op}1`)[1]).toMatchObject({ kind: "operator", value: op, start: 1 });
    }
  });

  it("keeps quotes inside a word and '!' not followed by '='", () => {
    expect(tokenize("name==O'Brien!")[2]).toMatchObject({ kind: "word", value: "O'Brien!" });
  });
});

describe("parseRsql: comparisons and operators", () => {
  const sampleValue: Record<string, string> = { single: "1", list: "(1,2)", range: "[1,2]", boolean: "true" };

  it("parses every built-in operator and alias to its canonical name", () => {
    const ops = defaultOperators().list();
    expect(ops.length).toBeGreaterThanOrEqual(30);
    for (const op of ops) {
      for (const spelling of [op.name, ...(op.aliases ?? [])]) {
        const node = only(parseRsql(`f${spelling}${sampleValue[op.value]}`));
        expect(node.operator).toBe(op.name);
        expect(node.field).toBe("f");
      }
    }
  });

  it("maps aliases to one canonical operator", () => {
    expect(only(parseRsql("a>=1")).operator).toBe("=ge=");
    expect(only(parseRsql("a=ge=1")).operator).toBe("=ge=");
    expect(only(parseRsql("a=eq=1")).operator).toBe("==");
    expect(only(parseRsql("a=nin=(1)")).operator).toBe("=out=");
    expect(only(parseRsql("a>1")).operator).toBe("=gt=");
    expect(only(parseRsql("a<=1")).operator).toBe("=le=");
  });

  it("records the field's position and allows dotted fields and whitespace", () => {
    expect(parseRsql("  author.name  ==  x ")).toEqual(cmp("author.name", "==", "x", 2));
    expect(parseRsql("_a1.b_2==1")).toEqual(cmp("_a1.b_2", "==", 1, 0));
  });
});

describe("parseRsql: precedence and grouping", () => {
  const a = cmp("a", "==", 1, 0);

  it("binds ';' tighter than ','", () => {
    expect(parseRsql("a==1;b==2,c==3")).toEqual({
      type: "or",
      children: [{ type: "and", children: [a, cmp("b", "==", 2, 5)] }, cmp("c", "==", 3, 10)],
    });
    expect(parseRsql("a==1,b==2;c==3")).toEqual({
      type: "or",
      children: [a, { type: "and", children: [cmp("b", "==", 2, 5), cmp("c", "==", 3, 10)] }],
    });
  });

  it("accepts the and/or keywords (any case) with the same precedence", () => {
    expect(parseRsql("a==1 or b==2 and c==3")).toEqual({
      type: "or",
      children: [a, { type: "and", children: [cmp("b", "==", 2, 8), cmp("c", "==", 3, 17)] }],
    });
    expect(parseRsql("a==1 AND b==2")).toEqual({ type: "and", children: [a, cmp("b", "==", 2, 9)] });
  });

  it("groups with parentheses and keeps the grouping in the tree", () => {
    expect(parseRsql("(a==1,b==2);c==3")).toEqual({
      type: "and",
      children: [{ type: "or", children: [cmp("a", "==", 1, 1), cmp("b", "==", 2, 6)] }, cmp("c", "==", 3, 12)],
    });
    expect(parseRsql("a==1;(b==2;c==3)")).toEqual({
      type: "and",
      children: [a, { type: "and", children: [cmp("b", "==", 2, 6), cmp("c", "==", 3, 11)] }],
    });
    expect(parseRsql("(((a==1)))")).toEqual(cmp("a", "==", 1, 3));
  });

  it("flattens chains of one connective into one node", () => {
    const node = parseRsql("a==1;b==2;c==3;d==4");
    expect(node.type).toBe("and");
    expect((node as { children: unknown[] }).children).toHaveLength(4);
  });

  it("treats and/or as values or fields where those are expected", () => {
    expect(parseRsql("a==and")).toEqual(cmp("a", "==", "and", 0));
    expect(parseRsql("or==1")).toEqual(cmp("or", "==", 1, 0));
  });
});

describe("parseRsql: values", () => {
  const value = (v: string) => only(parseRsql(`f==${v}`)).value;

  it("unescapes double- and single-quoted strings", () => {
    expect(value(`"a\\"b"`)).toBe('a"b');
    expect(value(`'it\\'s'`)).toBe("it's");
    expect(value(`'say "hi"'`)).toBe('say "hi"');
    expect(value(`"back\\\\slash"`)).toBe("back\\slash");
    expect(value(`"l1\\nl2\\tt\\r"`)).toBe("l1\nl2\tt\r");
    expect(value(`"\\u0041\\u00e9"`)).toBe("Aé");
    expect(value(`"50\\%"`)).toBe("50\\%");
    expect(value(`""`)).toBe("");
    expect(value(`"a;b,c)(d==e"`)).toBe("a;b,c)(d==e");
  });

  it("reads numbers: integers, floats, negatives, exponents", () => {
    expect(value("0")).toBe(0);
    expect(value("42")).toBe(42);
    expect(value("-5")).toBe(-5);
    expect(value("3.14")).toBe(3.14);
    expect(value("1e3")).toBe(1000);
    expect(value("-2.5E-3")).toBe(-0.0025);
    expect(value("007")).toBe("007");
    expect(value("1.2.3")).toBe("1.2.3");
    expect(value(`"42"`)).toBe("42");
  });

  it("reads true, false, null and bare words", () => {
    expect(value("true")).toBe(true);
    expect(value("false")).toBe(false);
    expect(value("null")).toBe(null);
    expect(value("TRUE")).toBe("TRUE");
    expect(value("John")).toBe("John");
    expect(value("Zoë")).toBe("Zoë");
    expect(value("a.b-c_d:e+f")).toBe("a.b-c_d:e+f");
  });

  it("reads unquoted ISO dates and datetimes as Dates, quoted ones as strings", () => {
    expect(value("2024-01-31")).toEqual(new Date("2024-01-31T00:00:00.000Z"));
    expect(value("2024-01-31T10:00:00Z")).toEqual(new Date("2024-01-31T10:00:00.000Z"));
    expect(value("2024-01-31T10:00:00.123Z")).toEqual(new Date("2024-01-31T10:00:00.123Z"));
    expect(value("2024-01-31T10:00:00.123456Z")).toEqual(new Date("2024-01-31T10:00:00.123Z"));
    expect(value("2024-01-31T12:00:00+02:00")).toEqual(new Date("2024-01-31T10:00:00.000Z"));
    expect(value("2024-01-31T05:30-0430")).toEqual(new Date("2024-01-31T10:00:00.000Z"));
    expect(value("2024-01-31T10:00")).toEqual(new Date("2024-01-31T10:00:00.000Z"));
    expect(value("2024-02-29")).toEqual(new Date("2024-02-29T00:00:00.000Z"));
    expect(value("0050-06-01")).toEqual(new Date("0050-06-01T00:00:00.000Z"));
    expect(value(`"2024-01-31"`)).toBe("2024-01-31");
  });

  it("reads lists in parentheses or brackets, including empty ones", () => {
    expect(only(parseRsql(`r=in=("a",'b',c,1,null,true)`)).value).toEqual(["a", "b", "c", 1, null, true]);
    expect(only(parseRsql("age=between=[18,65]")).value).toEqual([18, 65]);
    expect(only(parseRsql("age=between=(18, 65)")).value).toEqual([18, 65]);
    expect(only(parseRsql("r=in=()")).value).toEqual([]);
    expect(only(parseRsql("r=in=[ ]")).value).toEqual([]);
    expect(only(parseRsql("r=in=admin")).value).toEqual(["admin"]);
    expect(only(parseRsql("d=in=(2024-01-01,x)")).value).toEqual([new Date("2024-01-01T00:00:00Z"), "x"]);
  });
});

describe("parseRsql: errors carry a precise position", () => {
  const cases: [string, number, RegExp][] = [
    ["", 0, /empty/],
    ["   ", 0, /empty/],
    ["name==", 6, /Expected a value at position 6/],
    ["name", 4, /Expected an operator after field 'name' at position 4/],
    ["==1", 0, /Expected a field name at position 0/],
    ["name=foo=1", 4, /^Unknown operator '=foo=' at position 4$/],
    ["name=foo 1", 4, /Invalid operator '=foo' at position 4/],
    ["name=>1", 4, /Invalid operator/],
    ["(a==1", 5, /^Expected '\)' at position 5/],
    ["((a==1);b==2", 12, /Expected '\)' at position 12/],
    ["a==1)", 4, /Unexpected '\)' at position 4/],
    ["a==1 b==2", 5, /position 5, found 'b'/],
    ['a=="unterminated', 3, /Unterminated string starting at position 3/],
    ["a=='x", 3, /Unterminated string/],
    ['a=="x\\', 3, /Unterminated string/],
    ['a=="\\u12"', 4, /Invalid escape sequence/],
    ["a==1;", 5, /Expected a field name at position 5, found end of filter/],
    ["a==1,,b==2", 5, /Expected a field name at position 5/],
    ["a==1 and", 8, /Expected a field name at position 8/],
    ["a=in=(1,2", 9, /Expected ',' or '\)' at position 9/],
    ["a=in=(1 2)", 8, /Expected ',' or '\)' at position 8/],
    ["a=in=[1,2)", 9, /Expected ',' or '\]' at position 9/],
    ["a=in=(1,(2))", 8, /Expected a value at position 8/],
    ["a=in=(1,)", 8, /Expected a value at position 8/],
    ["a==(1,2)", 3, /expects a single value, not a list, at position 3/],
    ["a=between=[1]", 10, /expects two values/],
    ["a=between=[1,2,3]", 10, /expects two values/],
    ["a=between=5", 10, /expects two values/],
    ["a=isnull=yes", 9, /expects true or false at position 9/],
    ["a=isnull=(true)", 9, /expects true or false/],
    ["1a==2", 0, /Invalid field name '1a' at position 0/],
    ["a.==2", 0, /Invalid field name/],
    ["a!b==1", 0, /Invalid field name 'a!b'/],
    ['"a"==1', 0, /Expected a field name at position 0, found '"a"'/],
    ["a==2024-02-30", 3, /Invalid date '2024-02-30' at position 3/],
    ["a==2024-13-01", 3, /Invalid date/],
    ["a==2024-01-01T25:00:00Z", 3, /Invalid date/],
    ["a==2024-01-01Tfoo", 3, /Invalid date/],
    ["a==1e999", 3, /out of range/],
    ["a==1;b=in=(1,2", 14, /Expected ',' or '\)' at position 14/],
  ];

  it.each(cases)("%j fails at position %i", (input, position, message) => {
    const problem = parseError(input);
    expect(problem.extensions.position).toBe(position);
    expect(problem.detail).toMatch(message);
    expect(problem.toJSON()).toMatchObject({ code: "FILTER_PARSE_ERROR", position });
  });

  it("names the field and operator when it knows them", () => {
    expect(parseError("name=foo=1").extensions).toEqual({ position: 4, field: "name", operator: "=foo=" });
    expect(parseError("age=isnull=1").extensions).toEqual({ position: 11, field: "age", operator: "=isnull=" });
  });
});

describe("parseRsql: limits", () => {
  it("exposes its defaults", () => {
    expect(RSQL_LIMITS).toEqual({ maxLength: 4096, maxDepth: 32, maxComparisons: 256 });
  });

  it("refuses a 100k-character filter before parsing it", () => {
    const input = "a==" + "x".repeat(100_000);
    const problem = parseError(input);
    expect(problem.detail).toMatch(/maximum is 4096/);
    expect(problem.extensions.position).toBe(4096);
    expect(only(parseRsql(input, { maxLength: 200_000 })).value).toHaveLength(100_000);
  });

  it("refuses 10k nested parentheses with a clean error, not a stack overflow", () => {
    const input = "(".repeat(10_000) + "a==1" + ")".repeat(10_000);
    expect(parseError(input).detail).toMatch(/maximum is 4096/);
    const problem = parseError(input, { maxLength: 100_000 });
    expect(problem.detail).toMatch(/nesting exceeds the maximum depth of 32/);
    expect(problem.extensions.position).toBe(32);
    const unbalanced = parseError("(".repeat(10_000), { maxLength: 100_000 });
    expect(unbalanced.detail).toMatch(/depth/);
  });

  it("accepts exactly maxDepth levels of nesting", () => {
    const ok = "(".repeat(32) + "a==1" + ")".repeat(32);
    expect(parseRsql(ok)).toEqual(cmp("a", "==", 1, 32));
    expect(parseError("(".repeat(33) + "a==1" + ")".repeat(33)).extensions.position).toBe(32);
    expect(parseError("((a==1))", { maxDepth: 1 }).extensions.position).toBe(1);
  });

  it("counts comparisons", () => {
    const filter = (n: number) => Array.from({ length: n }, (_, i) => `a==${i}`).join(";");
    expect(parseRsql(filter(256))).toMatchObject({ type: "and" });
    const problem = parseError(filter(257));
    expect(problem.detail).toMatch(/more than 256 comparisons/);
    expect(problem.extensions.position).toBe(filter(256).length + 1);
    expect(parseError(filter(3), { maxComparisons: 2 }).detail).toMatch(/more than 2/);
    expect(parseError(filter(20_000), { maxLength: 1_000_000 }).detail).toMatch(/more than 256/);
  });

  it("handles a long flat filter and a long list without recursion trouble", () => {
    const list = Array.from({ length: 1000 }, (_, i) => i).join(",");
    expect(only(parseRsql(`a=in=(${list})`)).value).toHaveLength(1000);
  });
});
