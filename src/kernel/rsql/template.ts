/**
 * The `rsql` tag: writes filters in code with interpolated values that can never change the
 * filter's structure, because each one is serialised as a single quoted or literal value.
 */
import { formatLiteral, quoteString } from "./literals";

const BRAND = Symbol.for("covara.RsqlFilter");

/** RSQL text built by the `rsql` tag. */
export class RsqlFilter {
  readonly text: string;
  readonly [BRAND] = true;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

/** Whether `value` is an `RsqlFilter` (also across duplicate copies of this module). */
export function isRsqlFilter(value: unknown): value is RsqlFilter {
  return value instanceof RsqlFilter || (typeof value === "object" && value !== null && BRAND in value);
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return quoteString(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return formatLiteral(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("rsql: cannot interpolate an invalid Date");
    // Quoted: a date column coerces it back to a Date, a string column compares the ISO text.
    return quoteString(value.toISOString());
  }
  throw new TypeError(`rsql: cannot interpolate a value of type ${typeof value}`);
}

function interpolate(value: unknown): string {
  if (isRsqlFilter(value)) return `(${value.text})`;
  if (Array.isArray(value)) return `(${value.map(scalar).join(",")})`;
  return scalar(value);
}

/** Tagged template for filters: ``rsql`userId==${id};status=in=${["a", "b"]}` ``. */
export function rsql(strings: TemplateStringsArray, ...values: unknown[]): RsqlFilter {
  // Raw strings: a backslash typed in the template reaches the RSQL lexer as typed.
  let text = strings.raw[0] ?? "";
  values.forEach((value, i) => {
    text += interpolate(value) + (strings.raw[i + 1] ?? "");
  });
  return new RsqlFilter(text);
}
