/**
 * The built-in operators. Each one is written twice, as SQL and as an in-memory test, and the two
 * must agree on SQLite, Postgres and in memory (a property test checks it). Values are always bound
 * parameters; the only SQL text here is fixed keywords.
 */
import { type Column, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { ColumnKind } from "./columns";
import { charLength, compareValues, foldCase } from "./compare";
import type { FilterScalar, OperatorDefinition, OperatorSqlContext, OperatorValueShape } from "./operator-types";
import { imatchSql, likePatternProblem, literalPattern, matchPattern, matchSql, parseLikePattern } from "./patterns";
import { assumeType } from "../erased";

const FALSE = sql`1 = 0`;
const STRING_ONLY: readonly ColumnKind[] = ["string"];

function def<S extends OperatorValueShape>(d: OperatorDefinition<S>): OperatorDefinition {
  // The table stores operators of every value shape side by side; each checks its own shape.
  return assumeType<OperatorDefinition>(d);
}

/**
 * The column as SQL compares it: Postgres enums, inet, time, ... go through text like memory does;
 * `forceText` also casts uuid, for the string operators (Postgres has no LIKE on uuid).
 */
function expr(column: Column, ctx: OperatorSqlContext, forceText = false): SQLWrapper {
  if (ctx.dialect === "pg" && (ctx.info.pgTextCast || (forceText && ctx.info.uuid))) {
    return sql`${column}::text`;
  }
  return column;
}

/** Binds a value through the column's driver mapping (Date → seconds, boolean → 0/1, ...). */
function bind(column: Column, ctx: OperatorSqlContext, value: FilterScalar): SQL {
  if (ctx.dialect === "pg" && ctx.info.pgTextCast) return sql`${sql.param(value)}`;
  return sql`${sql.param(value, column)}`;
}

/**
 * The column for ordering: strings compare by code point on Postgres too (`COLLATE "C"`). A uuid
 * takes no collation; its own order already matches its lowercase text.
 */
function ordered(column: Column, ctx: OperatorSqlContext): SQLWrapper {
  const e = expr(column, ctx);
  return ctx.dialect === "pg" && ctx.info.kind === "string" && !ctx.info.uuid ? sql`${e} collate "C"` : e;
}

function lowerParam(value: FilterScalar, ctx: OperatorSqlContext): SQL {
  const p = sql.param(String(value));
  return ctx.dialect === "pg" ? sql`lower(${p}::text)` : sql`lower(${p})`;
}

// Fixed comparison keywords; never built from user input.
const COMPARATORS = {
  "=": { sql: sql.raw("="), test: (c: number) => c === 0, ordered: false },
  "<>": { sql: sql.raw("<>"), test: (c: number) => c !== 0, ordered: false },
  ">": { sql: sql.raw(">"), test: (c: number) => c > 0, ordered: true },
  ">=": { sql: sql.raw(">="), test: (c: number) => c >= 0, ordered: true },
  "<": { sql: sql.raw("<"), test: (c: number) => c < 0, ordered: true },
  "<=": { sql: sql.raw("<="), test: (c: number) => c <= 0, ordered: true },
} as const;

function comparison(name: string, aliases: string[], op: keyof typeof COMPARATORS): OperatorDefinition {
  const cmp = COMPARATORS[op];
  return def({
    name,
    aliases,
    value: "single",
    toSql: (column, value, ctx) =>
      sql`${cmp.ordered ? ordered(column, ctx) : expr(column, ctx)} ${cmp.sql} ${bind(column, ctx, value)}`,
    evaluate: (field, value) => {
      const c = compareValues(field, value);
      return c !== undefined && cmp.test(c);
    },
  });
}

function membership(name: string, aliases: string[], negate: boolean): OperatorDefinition {
  return def({
    name,
    aliases,
    value: "list",
    toSql: (column, values, ctx) => {
      const e = expr(column, ctx);
      // An empty list: nothing is in it; every non-null value is outside it.
      if (values.length === 0) return negate ? sql`${e} is not null` : FALSE;
      const list = sql.join(
        values.map((v) => bind(column, ctx, v)),
        sql`, `,
      );
      return negate ? sql`${e} not in (${list})` : sql`${e} in (${list})`;
    },
    evaluate: (field, values) =>
      negate
        ? values.every((v) => {
            const c = compareValues(field, v);
            return c !== undefined && c !== 0;
          })
        : values.some((v) => compareValues(field, v) === 0),
  });
}

function range(name: string, negate: boolean): OperatorDefinition {
  return def({
    name,
    value: "range",
    toSql: (column, [lo, hi], ctx) => {
      const e = ordered(column, ctx);
      const low = bind(column, ctx, lo);
      const high = bind(column, ctx, hi);
      return negate ? sql`${e} not between ${low} and ${high}` : sql`${e} between ${low} and ${high}`;
    },
    evaluate: (field, [lo, hi]) => {
      const a = compareValues(field, lo);
      const b = compareValues(field, hi);
      if (a === undefined || b === undefined) return false;
      const inside = a >= 0 && b <= 0;
      return negate ? !inside : inside;
    },
  });
}

function nullCheck(name: string, matchesNull: boolean): OperatorDefinition {
  return def({
    name,
    value: "boolean",
    coerce: "none",
    nullAware: true,
    toSql: (column, wanted) => (wanted === matchesNull ? sql`${column} is null` : sql`${column} is not null`),
    evaluate: (field, wanted) => (field === null || field === undefined) === (wanted === matchesNull),
  });
}

const isEmpty = def({
  name: "=isempty=",
  value: "boolean",
  coerce: "none",
  nullAware: true,
  toSql: (column, wanted, ctx) => {
    // Only strings can be empty; for other kinds "empty" means null.
    if (ctx.info.kind !== "string") return wanted ? sql`${column} is null` : sql`${column} is not null`;
    const e = expr(column, ctx, true);
    return wanted ? sql`(${e} is null or ${e} = '')` : sql`(${e} is not null and ${e} <> '')`;
  },
  evaluate: (field, wanted) => (field === null || field === undefined || field === "") === wanted,
});

type Anchor = "contains" | "starts" | "ends";

function textTest(field: string, value: string, anchor: Anchor): boolean {
  if (anchor === "contains") return field.includes(value);
  return anchor === "starts" ? field.startsWith(value) : field.endsWith(value);
}

/** contains/startswith/endswith with their negated (`n`) and case-insensitive (`i`) variants. */
function textMatch(name: string, anchor: Anchor, insensitive: boolean, negate: boolean): OperatorDefinition {
  return def({
    name,
    value: "single",
    columns: STRING_ONLY,
    coerce: "string",
    toSql: (column, value, ctx) => {
      const parts = literalPattern(String(value), anchor);
      const e = expr(column, ctx, true);
      const match = insensitive ? imatchSql(e, parts, ctx.dialect) : matchSql(e, parts, ctx.dialect);
      return negate ? sql`not (${match})` : match;
    },
    evaluate: (field, value) => {
      if (typeof field !== "string" || typeof value !== "string") return false;
      const hit = insensitive ? textTest(foldCase(field), foldCase(value), anchor) : textTest(field, value, anchor);
      return hit !== negate;
    },
  });
}

/** SQL-style patterns: `%` any run, `_` one character, `\` escapes. */
function likeMatch(name: string, insensitive: boolean, negate: boolean): OperatorDefinition {
  return def({
    name,
    value: "single",
    columns: STRING_ONLY,
    coerce: "string",
    checkValue: (value) => (typeof value === "string" ? likePatternProblem(value) : undefined),
    toSql: (column, value, ctx) => {
      const parts = parseLikePattern(String(value));
      const e = expr(column, ctx, true);
      const match = insensitive ? imatchSql(e, parts, ctx.dialect) : matchSql(e, parts, ctx.dialect);
      return negate ? sql`not (${match})` : match;
    },
    evaluate: (field, value) => {
      if (typeof field !== "string" || typeof value !== "string") return false;
      return matchPattern(field, value, insensitive) !== negate;
    },
  });
}

function caseInsensitiveEquals(name: string, negate: boolean): OperatorDefinition {
  return def({
    name,
    value: "single",
    columns: STRING_ONLY,
    coerce: "string",
    toSql: (column, value, ctx) => {
      const left = sql`lower(${expr(column, ctx, true)})`;
      const right = lowerParam(value, ctx);
      return negate ? sql`${left} <> ${right}` : sql`${left} = ${right}`;
    },
    evaluate: (field, value) => {
      if (typeof field !== "string" || typeof value !== "string") return false;
      return (foldCase(field) === foldCase(value)) !== negate;
    },
  });
}

function caseInsensitiveMembership(name: string, negate: boolean): OperatorDefinition {
  return def({
    name,
    value: "list",
    columns: STRING_ONLY,
    coerce: "string",
    toSql: (column, values, ctx) => {
      const e = expr(column, ctx, true);
      if (values.length === 0) return negate ? sql`${e} is not null` : FALSE;
      const list = sql.join(
        values.map((v) => lowerParam(v, ctx)),
        sql`, `,
      );
      return negate ? sql`lower(${e}) not in (${list})` : sql`lower(${e}) in (${list})`;
    },
    evaluate: (field, values) => {
      if (typeof field !== "string") return false;
      const folded = foldCase(field);
      const hit = values.some((v) => typeof v === "string" && foldCase(v) === folded);
      return hit !== negate;
    },
  });
}

/** Character-length comparisons (code points on both SQLite `length` and Postgres `char_length`). */
function lengthCompare(name: string, op: "=" | ">=" | "<="): OperatorDefinition {
  const cmp = COMPARATORS[op];
  return def({
    name,
    value: "single",
    columns: STRING_ONLY,
    coerce: "number",
    toSql: (column, value, ctx) => {
      const e = expr(column, ctx, true);
      const len = ctx.dialect === "pg" ? sql`char_length(${e})` : sql`length(${e})`;
      // Postgres would type the parameter as integer and reject 2.5; numeric keeps SQLite's meaning.
      const n = ctx.dialect === "pg" ? sql`${sql.param(value)}::numeric` : sql`${sql.param(value)}`;
      return sql`${len} ${cmp.sql} ${n}`;
    },
    evaluate: (field, value) => {
      if (typeof field !== "string" || typeof value !== "number") return false;
      return cmp.test(charLength(field) - value);
    },
  });
}

export const BUILTIN_OPERATORS: readonly OperatorDefinition[] = [
  comparison("==", ["=eq="], "="),
  comparison("!=", ["=ne="], "<>"),
  comparison("=gt=", [">"], ">"),
  comparison("=ge=", [">="], ">="),
  comparison("=lt=", ["<"], "<"),
  comparison("=le=", ["<="], "<="),
  membership("=in=", [], false),
  membership("=out=", ["=nin="], true),
  range("=between=", false),
  range("=nbetween=", true),
  nullCheck("=isnull=", true),
  nullCheck("=notnull=", false),
  isEmpty,
  textMatch("=contains=", "contains", false, false),
  textMatch("=ncontains=", "contains", false, true),
  textMatch("=icontains=", "contains", true, false),
  textMatch("=nicontains=", "contains", true, true),
  textMatch("=startswith=", "starts", false, false),
  textMatch("=nstartswith=", "starts", false, true),
  textMatch("=istartswith=", "starts", true, false),
  textMatch("=nistartswith=", "starts", true, true),
  textMatch("=endswith=", "ends", false, false),
  textMatch("=nendswith=", "ends", false, true),
  textMatch("=iendswith=", "ends", true, false),
  textMatch("=niendswith=", "ends", true, true),
  likeMatch("=like=", false, false),
  likeMatch("=nlike=", false, true),
  likeMatch("=ilike=", true, false),
  likeMatch("=nilike=", true, true),
  caseInsensitiveEquals("=ieq=", false),
  caseInsensitiveEquals("=ine=", true),
  caseInsensitiveMembership("=iin=", false),
  caseInsensitiveMembership("=iout=", true),
  lengthCompare("=length=", "="),
  lengthCompare("=minlength=", ">="),
  lengthCompare("=maxlength=", "<="),
];
