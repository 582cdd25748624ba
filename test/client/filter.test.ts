/**
 * The filter builder against the server's own RSQL parser: for random trees of every built-in
 * operator and every kind of value (quotes, backslashes, control characters, words that look like
 * numbers or dates, unicode), the builder's text parses back to exactly the tree it was built from.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  and,
  comparison,
  FILTER_OPERATORS,
  type Filter,
  formatRsqlValue,
  or,
  where,
  type FilterLiteral,
} from "../../src/client";
import { parseRsql, type RsqlNode } from "../../src/kernel/rsql";

const RANGE = new Set(["=between=", "=nbetween="]);
const LIST = new Set(["=in=", "=out=", "=iin=", "=iout="]);
const BOOLEAN = new Set(["=isnull=", "=notnull=", "=isempty="]);
const LENGTH = new Set(["=length=", "=minlength=", "=maxlength="]);

const text = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }).filter((s) => !s.includes("\0")),
  fc.constantFrom(
    '"',
    "'",
    "\\",
    "\\u0041",
    ";",
    ",",
    "()",
    "a==b",
    "42",
    "007",
    "2024-01-31",
    "null",
    "true",
    " and ",
    "\n\t\r",
    "\u007f",
    "%_",
  ),
);
const scalar: fc.Arbitrary<FilterLiteral> = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => Math.abs(n) < 1e300),
  fc.boolean(),
  fc.constant(null),
  fc.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true }),
);
const fieldName = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,5})?$/)
  .filter((f) => !/^(and|or)$/i.test(f));
const operators = Object.values(FILTER_OPERATORS);

interface Built {
  filter: Filter;
  tree: RsqlNode;
}

/** A comparison as the builder writes it, and the tree the parser must give back. */
const leaf: fc.Arbitrary<Built> = fc
  .tuple(fieldName, fc.constantFrom(...operators), scalar, fc.array(scalar, { maxLength: 4 }), fc.nat(50), fc.boolean())
  .map(([field, operator, value, list, n, flag]) => {
    let built: FilterLiteral | FilterLiteral[];
    if (RANGE.has(operator)) built = [value, list[0] ?? null];
    else if (LIST.has(operator)) built = list;
    else if (BOOLEAN.has(operator)) built = flag;
    else if (LENGTH.has(operator)) built = n;
    else built = value;
    const expected = Array.isArray(built) ? built.map(normalise) : normalise(built);
    return {
      filter: comparison(field, operator, built),
      tree: { type: "comparison", field, operator, value: expected, position: 0 } as RsqlNode,
    };
  });

/** What the parser reads a literal as: -0 prints as "-0", which reads back as 0 or -0 alike. */
function normalise(value: FilterLiteral): FilterLiteral {
  return typeof value === "number" && Object.is(value, -0) ? -0 : value;
}

const tree: fc.Arbitrary<Built> = fc.letrec<{ node: Built }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .tuple(fc.constantFrom("and" as const, "or" as const), fc.array(tie("node"), { minLength: 2, maxLength: 3 }))
      .map(([kind, children]) => ({
        filter: (kind === "and" ? and : or)(...children.map((c) => c.filter))!,
        tree: { type: kind, children: children.map((c) => c.tree) } as RsqlNode,
      })),
  ),
})).node;

/** The parser flattens `a;(b;c)` into one and-node; so does the expected tree. */
function flatten(node: RsqlNode): RsqlNode {
  if (node.type === "comparison") return node;
  const children = node.children.flatMap((child) => {
    const flat = flatten(child);
    return flat.type === node.type ? flat.children : [flat];
  });
  return { type: node.type, children };
}

function strip(node: RsqlNode): unknown {
  if (node.type === "comparison") return { field: node.field, operator: node.operator, value: node.value };
  return { type: node.type, children: node.children.map(strip) };
}

describe("filter builder", () => {
  it("every built filter parses back (server parser) to the tree it was built from", () => {
    fc.assert(
      fc.property(tree, ({ filter, tree: expected }) => {
        const parsed = parseRsql(String(filter), { maxLength: 1_000_000 });
        expect(strip(flatten(parsed))).toEqual(strip(flatten(expected)));
      }),
      { numRuns: 600 },
    );
  });

  it("the typed builder covers every operator and writes values so they keep their type", () => {
    const w = where<{ name: string; age: number | null; at: Date }>();
    expect(String(w.eq("name", "42"))).toBe('name=="42"');
    expect(String(w.in("age", [1, 2]))).toBe("age=in=(1,2)");
    expect(String(w.between("at", new Date("2024-01-01T00:00:00Z"), "2024-02-01"))).toBe(
      'at=between=(2024-01-01T00:00:00.000Z,"2024-02-01")',
    );
    expect(String(w.isnull("age"))).toBe("age=isnull=true");
    expect(String(w.and(w.eq("name", "a"), w.or(w.gt("age", 1), w.lt("age", 0))))).toBe(
      'name=="a";(age=gt=1,age=lt=0)',
    );
    expect(String(w.and(w.eq("name", "a"), undefined, false))).toBe('name=="a"');
    expect(w.and()).toBeUndefined();
    expect(formatRsqlValue('say "hi"\\\n')).toBe('"say \\"hi\\"\\\\\\n"');
    expect(() => w.op("name", "not an operator", 1)).toThrow(TypeError);
    expect(() => comparison("bad field!", "==", 1)).toThrow(TypeError);
    expect(() => formatRsqlValue(Number.NaN)).toThrow(TypeError);
    expect(String(w.op("name", "=near=", [1, 2]))).toBe("name=near=(1,2)");
    // @ts-expect-error a text operator on a number field does not compile
    w.contains("age", "x");
    // @ts-expect-error an unknown field does not compile
    w.eq("nope", 1);
    // @ts-expect-error a value of the wrong type does not compile
    w.eq("age", "ten");
  });
});
