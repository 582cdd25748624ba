/** fast-check generators for RSQL filters, rows of the fixture table, and helpers to compare ASTs. */
import fc from "fast-check";
import type { RsqlComparison, RsqlLiteral, RsqlNode } from "../../../src/kernel/rsql/index.js";
import { defaultOperators } from "../../../src/kernel/rsql/index.js";
import type { ItemRow } from "./fixtures.js";

/** Characters chosen to hit every edge: case, LIKE/GLOB metacharacters, quotes, escapes, astral. */
const CHARS = ["a", "A", "b", "B", "z", "%", "_", "\\", "'", '"', " ", "é", "ﬀ", "😀", "*", "?", "[", "]"];
export const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 5 }).map((cs) => cs.join(""));

const BASE = Date.UTC(2024, 0, 1);
/** Dates in a narrow window so comparisons hit; half of them carry milliseconds. */
export const date = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 0, 500, 999))
  .map(([day, sec, ms]) => new Date(BASE + day * 86_400_000 + sec * 1000 + ms));

type Kind = "string" | "integer" | "real" | "boolean" | "date";
const FIELDS: Record<string, Kind> = {
  name: "string",
  title: "string",
  age: "integer",
  score: "real",
  active: "boolean",
  createdAt: "date",
};

const integer = fc.integer({ min: -3, max: 5 });
const real = fc.integer({ min: -8, max: 8 }).map((n) => n / 4);

function scalarFor(kind: Kind): fc.Arbitrary<RsqlLiteral> {
  switch (kind) {
    case "string":
      // Sometimes a bare number: a string column compares it as its text.
      return fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: integer });
    case "integer":
      return integer;
    case "real":
      return real;
    case "boolean":
      return fc.boolean();
    case "date":
      return date;
  }
}

const valueFor = (kind: Kind): fc.Arbitrary<RsqlLiteral> =>
  fc.oneof({ weight: 12, arbitrary: scalarFor(kind) }, { weight: 1, arbitrary: fc.constant(null) });

const GENERIC = [
  "==",
  "!=",
  "=gt=",
  "=ge=",
  "=lt=",
  "=le=",
  "=in=",
  "=out=",
  "=between=",
  "=nbetween=",
  "=isnull=",
  "=notnull=",
  "=isempty=",
];
const STRING_ONLY = defaultOperators()
  .list()
  .map((op) => op.name)
  .filter((name) => !GENERIC.includes(name));

function comparisonFor(field: string, kind: Kind): fc.Arbitrary<RsqlComparison> {
  const ops = kind === "string" ? [...GENERIC, ...STRING_ONLY] : GENERIC;
  return fc.constantFrom(...ops).chain((operator) => {
    const op = defaultOperators().get(operator)!;
    let value: fc.Arbitrary<RsqlComparison["value"]>;
    if (op.value === "boolean") value = fc.boolean();
    else if (op.value === "range") value = fc.tuple(valueFor(kind), valueFor(kind));
    else if (op.value === "list") value = fc.array(valueFor(kind), { maxLength: 3 });
    else if (op.coerce === "number") value = fc.integer({ min: 0, max: 5 });
    else value = valueFor(kind);
    return value.map((v) => ({ type: "comparison" as const, field, operator, value: v, position: 0 }));
  });
}

export const comparison = fc
  .constantFrom(...Object.keys(FIELDS))
  .chain((field) => comparisonFor(field, FIELDS[field] as Kind));

/** Random and/or trees of comparisons over the fixture table, up to three levels deep. */
export const filter: fc.Arbitrary<RsqlNode> = fc.letrec<{ node: RsqlNode; logical: RsqlNode }>((tie) => ({
  node: fc.oneof({ maxDepth: 3, depthSize: "small" }, comparison, tie("logical")),
  logical: fc.record({
    type: fc.constantFrom("and" as const, "or" as const),
    children: fc.array(tie("node"), { minLength: 2, maxLength: 3 }),
  }),
})).node;

export const row = (id: number): fc.Arbitrary<ItemRow> =>
  fc.record({
    id: fc.constant(id),
    name: text,
    title: fc.option(text, { nil: null }),
    age: fc.option(integer, { nil: null }),
    score: fc.option(real, { nil: null }),
    active: fc.option(fc.boolean(), { nil: null }),
    createdAt: fc.option(date, { nil: null }),
  });

export const rows: fc.Arbitrary<ItemRow[]> = fc
  .integer({ min: 0, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => row(i + 1))))
  .map((list) => [...list]);

/** The AST with every `position` zeroed, for comparisons that ignore source offsets. */
export function stripPositions(node: RsqlNode): RsqlNode {
  if (node.type === "comparison") return { ...node, position: 0 };
  return { type: node.type, children: node.children.map(stripPositions) };
}

/** Whether any date value in the filter has a sub-second part. */
export function hasSubsecondDate(node: RsqlNode): boolean {
  if (node.type !== "comparison") return node.children.some(hasSubsecondDate);
  const values = Array.isArray(node.value) ? node.value : [node.value];
  return values.some((v) => v instanceof Date && v.getTime() % 1000 !== 0);
}
