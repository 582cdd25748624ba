/**
 * A typed RSQL filter builder. Values are always written so the server's parser reads them back
 * exactly: strings double-quoted with escapes (so `"42"` stays a string and `;` or `)` inside a
 * value cannot change the filter's shape), numbers in JSON syntax, dates as ISO datetimes.
 */
import { assumeType } from "../kernel/erased";

/** A built filter; `String(filter)` is its RSQL text. */
export class Filter {
  /** "and" / "or" when the top node is a group of two or more, for parenthesising. */
  readonly kind: "comparison" | "and" | "or";
  readonly text: string;

  constructor(text: string, kind: Filter["kind"] = "comparison") {
    this.text = text;
    this.kind = kind;
  }

  toString(): string {
    return this.text;
  }
}

/** A single value the server can read. */
export type FilterLiteral = string | number | boolean | null | Date | bigint;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const OPERATOR = /^(?:==|!=|<=?|>=?|=[A-Za-z][A-Za-z0-9_-]*=)$/;

/** Double-quotes a string with the escapes the server's lexer reads back verbatim. */
export function quoteRsqlString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = value.charCodeAt(i);
    if (code === 0) throw new TypeError("A filter value cannot contain a NUL character");
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Writes one literal in RSQL syntax. */
export function formatRsqlValue(value: FilterLiteral): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return quoteRsqlString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} in a filter`);
      return Object.is(value, -0) ? "-0" : String(value);
    default:
      break;
  }
  if (value instanceof Date) {
    const year = value.getUTCFullYear();
    if (Number.isNaN(value.getTime()) || year < 0 || year > 9999)
      throw new TypeError("Cannot write this Date in a filter");
    return value.toISOString();
  }
  throw new TypeError(`Cannot write a value of type ${typeof value} in a filter`);
}

function field(name: string): string {
  if (!FIELD_NAME.test(name)) throw new TypeError(`Invalid filter field name '${name}'`);
  return name;
}

/** `field<op>value` for any operator, custom ones included (`=near=`). */
export function comparison(name: string, operator: string, value: FilterLiteral | readonly FilterLiteral[]): Filter {
  if (!OPERATOR.test(operator)) throw new TypeError(`Invalid filter operator '${operator}'`);
  const written = Array.isArray(value)
    ? `(${value.map(formatRsqlValue).join(",")})`
    : formatRsqlValue(value as FilterLiteral);
  return new Filter(`${field(name)}${operator}${written}`);
}

function group(kind: "and" | "or", parts: readonly (Filter | string | undefined | false | null)[]): Filter | undefined {
  const filters = parts
    .filter((part): part is Filter | string => Boolean(part))
    .map((part) => (typeof part === "string" ? new Filter(part, "or") : part));
  if (filters.length === 0) return undefined;
  if (filters.length === 1) return filters[0];
  const text = filters
    // and binds tighter than or: only an `or` inside an `and` needs parentheses.
    .map((f) => (f.kind === "or" && kind === "and" ? `(${f.text})` : f.text))
    .join(kind === "and" ? ";" : ",");
  return new Filter(text, kind);
}

/** AND of the given filters (falsy entries skipped, so conditional parts read naturally). */
export function and(...parts: (Filter | string | undefined | false | null)[]): Filter | undefined {
  return group("and", parts);
}

/** OR of the given filters. */
export function or(...parts: (Filter | string | undefined | false | null)[]): Filter | undefined {
  return group("or", parts);
}

type Key<Row> = Extract<keyof Row, string>;
/** Value accepted for a field: its type (dates also as ISO strings), or null. */
type ValueFor<V> = NonNullable<V> extends Date ? Date | string | null : NonNullable<V> | null;
type TextKey<Row> = { [K in Key<Row>]: NonNullable<Row[K]> extends string ? K : never }[Key<Row>];

/** Field-typed operators of a row type: field names and values are checked against `Row`. */
export interface FilterBuilder<Row> {
  eq<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  ne<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  gt<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  ge<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  lt<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  le<K extends Key<Row>>(field: K, value: ValueFor<Row[K]>): Filter;
  in<K extends Key<Row>>(field: K, values: readonly ValueFor<Row[K]>[]): Filter;
  out<K extends Key<Row>>(field: K, values: readonly ValueFor<Row[K]>[]): Filter;
  between<K extends Key<Row>>(field: K, low: ValueFor<Row[K]>, high: ValueFor<Row[K]>): Filter;
  nbetween<K extends Key<Row>>(field: K, low: ValueFor<Row[K]>, high: ValueFor<Row[K]>): Filter;
  isnull(field: Key<Row>, yes?: boolean): Filter;
  notnull(field: Key<Row>, yes?: boolean): Filter;
  isempty(field: Key<Row>, yes?: boolean): Filter;
  contains(field: TextKey<Row>, text: string): Filter;
  ncontains(field: TextKey<Row>, text: string): Filter;
  icontains(field: TextKey<Row>, text: string): Filter;
  nicontains(field: TextKey<Row>, text: string): Filter;
  startswith(field: TextKey<Row>, text: string): Filter;
  nstartswith(field: TextKey<Row>, text: string): Filter;
  istartswith(field: TextKey<Row>, text: string): Filter;
  nistartswith(field: TextKey<Row>, text: string): Filter;
  endswith(field: TextKey<Row>, text: string): Filter;
  nendswith(field: TextKey<Row>, text: string): Filter;
  iendswith(field: TextKey<Row>, text: string): Filter;
  niendswith(field: TextKey<Row>, text: string): Filter;
  like(field: TextKey<Row>, pattern: string): Filter;
  nlike(field: TextKey<Row>, pattern: string): Filter;
  ilike(field: TextKey<Row>, pattern: string): Filter;
  nilike(field: TextKey<Row>, pattern: string): Filter;
  ieq(field: TextKey<Row>, text: string): Filter;
  ine(field: TextKey<Row>, text: string): Filter;
  iin(field: TextKey<Row>, values: readonly string[]): Filter;
  iout(field: TextKey<Row>, values: readonly string[]): Filter;
  length(field: TextKey<Row>, n: number): Filter;
  minlength(field: TextKey<Row>, n: number): Filter;
  maxlength(field: TextKey<Row>, n: number): Filter;
  /** Any operator by name, for custom server operators (`op("location", "=near=", [1, 2])`). */
  op(field: Key<Row>, operator: string, value: FilterLiteral | readonly FilterLiteral[]): Filter;
  and: typeof and;
  or: typeof or;
}

/** Builder methods named like their operator (`gt` is `=gt=`); `eq` and `ne` are `==` and `!=`. */
const NAMED_OPERATORS =
  "gt ge lt le in out between nbetween isnull notnull isempty contains ncontains icontains nicontains startswith nstartswith istartswith nistartswith endswith nendswith iendswith niendswith like nlike ilike nilike ieq ine iin iout length minlength maxlength".split(
    " ",
  );

/** The canonical operator of each builder method. */
export const FILTER_OPERATORS: Readonly<Record<string, string>> = {
  eq: "==",
  ne: "!=",
  ...Object.fromEntries(NAMED_OPERATORS.map((name) => [name, `=${name}=`])),
};

const RANGE = new Set(["between", "nbetween"]);
const BOOLEAN = new Set(["isnull", "notnull", "isempty"]);

/** A filter builder typed by `Row` (`where<User>().eq("role", "admin")`). */
export function where<Row extends object = Record<string, unknown>>(): FilterBuilder<Row> {
  const builder: Record<string, unknown> = { and, or, op: comparison };
  for (const [method, operator] of Object.entries(FILTER_OPERATORS)) {
    builder[method] = RANGE.has(method)
      ? (name: string, low: FilterLiteral, high: FilterLiteral) => comparison(name, operator, [low, high])
      : BOOLEAN.has(method)
        ? (name: string, yes = true) => comparison(name, operator, yes)
        : (name: string, value: FilterLiteral | readonly FilterLiteral[]) => comparison(name, operator, value);
  }
  // Built method by method from FILTER_OPERATORS, so it has every method FilterBuilder declares;
  // Row only narrows the field names the methods accept at compile time.
  return assumeType<FilterBuilder<Row>>(builder);
}
