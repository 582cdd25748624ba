/**
 * RSQL parser: tokens to AST. Recursive descent with an explicit depth check, so hostile input
 * (huge, deeply nested, thousands of comparisons) fails with a clean error instead of a stack
 * overflow. `;`/`and` binds tighter than `,`/`or`; parentheses group.
 */
import type { RsqlComparison, RsqlLiteral, RsqlNode, RsqlValue } from "./ast";
import { checkOperatorValue, filterError } from "./filter-error";
import { type Token, tokenize } from "./lexer";
import { NUMBER_PATTERN, looksLikeDate, parseIsoDate } from "./literals";
import { defaultOperators } from "./operators";
import type { OperatorDefinition, OperatorRegistry } from "./operator-types";

export interface ParseRsqlOptions {
  /** Operators the filter may use; defaults to the built-ins. */
  operators?: OperatorRegistry;
  /** Longest accepted filter, in characters (default 4096). */
  maxLength?: number;
  /** Deepest accepted parenthesis nesting (default 32). */
  maxDepth?: number;
  /** Most comparisons in one filter (default 256). */
  maxComparisons?: number;
}

/** The parser's limits, defaulted in one place. */
export const RSQL_LIMITS = { maxLength: 4096, maxDepth: 32, maxComparisons: 256 } as const;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * How each value of a comparison was written when unquoted (`1.50`, `2024-01-31`), so a string
 * column compares against the text the user typed rather than a re-printed number or date.
 */
const sourceTexts = new WeakMap<RsqlComparison, (string | undefined)[]>();

/** The unquoted source text of each value of a parsed comparison (index-aligned with its values). */
export function getSourceText(node: RsqlComparison): readonly (string | undefined)[] | undefined {
  return sourceTexts.get(node);
}

function found(tok: Token): string {
  if (tok.kind === "eof") return "end of filter";
  const text = tok.text.length > 40 ? tok.text.slice(0, 40) + "…" : tok.text;
  return `'${text}'`;
}

class Parser {
  private i = 0;
  private comparisons = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly registry: OperatorRegistry,
    private readonly maxDepth: number,
    private readonly maxComparisons: number,
  ) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const tok = this.tokens[this.i] as Token;
    if (tok.kind !== "eof") this.i++;
    return tok;
  }

  parseFilter(): RsqlNode {
    const node = this.parseOr(0);
    const tok = this.peek();
    if (tok.kind === ")") throw filterError(`Unexpected ')' at position ${tok.start}: no '(' to close`, tok.start);
    if (tok.kind !== "eof") {
      throw filterError(
        `Expected ';', ',', 'and', 'or' or end of filter at position ${tok.start}, found ${found(tok)}`,
        tok.start,
      );
    }
    return node;
  }

  private isKeyword(tok: Token, keyword: "and" | "or"): boolean {
    return tok.kind === "word" && tok.text.toLowerCase() === keyword;
  }

  private parseOr(depth: number): RsqlNode {
    const children = [this.parseAnd(depth)];
    while (this.peek().kind === "," || this.isKeyword(this.peek(), "or")) {
      this.next();
      children.push(this.parseAnd(depth));
    }
    return children.length === 1 ? (children[0] as RsqlNode) : { type: "or", children };
  }

  private parseAnd(depth: number): RsqlNode {
    const children = [this.parsePrimary(depth)];
    while (this.peek().kind === ";" || this.isKeyword(this.peek(), "and")) {
      this.next();
      children.push(this.parsePrimary(depth));
    }
    return children.length === 1 ? (children[0] as RsqlNode) : { type: "and", children };
  }

  private parsePrimary(depth: number): RsqlNode {
    const tok = this.peek();
    if (tok.kind !== "(") return this.parseComparison();
    // Checked before descending: recursion depth is bounded by maxDepth, whatever the input.
    if (depth >= this.maxDepth) {
      throw filterError(
        `Filter nesting exceeds the maximum depth of ${this.maxDepth} at position ${tok.start}`,
        tok.start,
      );
    }
    this.next();
    const node = this.parseOr(depth + 1);
    const close = this.peek();
    if (close.kind !== ")") {
      const detail = `Expected ')' at position ${close.start} to close '(' at position ${tok.start}`;
      throw filterError(`${detail}, found ${found(close)}`, close.start);
    }
    this.next();
    return node;
  }

  private parseComparison(): RsqlComparison {
    const tok = this.next();
    if (tok.kind !== "word") {
      throw filterError(`Expected a field name at position ${tok.start}, found ${found(tok)}`, tok.start);
    }
    const field = tok.text;
    if (!FIELD_NAME.test(field)) {
      throw filterError(`Invalid field name '${field}' at position ${tok.start}`, tok.start, { field });
    }
    if (++this.comparisons > this.maxComparisons) {
      throw filterError(`Filter has more than ${this.maxComparisons} comparisons (position ${tok.start})`, tok.start, {
        field,
      });
    }
    const opTok = this.next();
    if (opTok.kind !== "operator") {
      throw filterError(
        `Expected an operator after field '${field}' at position ${opTok.start}, found ${found(opTok)}`,
        opTok.start,
        { field },
      );
    }
    const def = this.registry.get(opTok.text);
    if (!def) {
      throw filterError(`Unknown operator '${opTok.text}' at position ${opTok.start}`, opTok.start, {
        field,
        operator: opTok.text,
      });
    }
    const { value, raws } = this.parseValue(def, field, opTok);
    checkOperatorValue(def.checkValue?.bind(def), value, tok.start, { field, operator: def.name });
    const node: RsqlComparison = { type: "comparison", field, operator: def.name, value, position: tok.start };
    if (raws.some((r) => r !== undefined)) sourceTexts.set(node, raws);
    return node;
  }

  private parseValue(
    def: OperatorDefinition,
    field: string,
    opTok: Token,
  ): { value: RsqlValue; raws: (string | undefined)[] } {
    const tok = this.peek();
    const where = { field, operator: def.name };
    const isList = tok.kind === "(" || tok.kind === "[";
    const parsed = isList ? this.parseList(field, def.name) : this.parseLiteral(field, def.name);
    const name = opTok.text;
    switch (def.value) {
      case "single":
        if (isList) {
          const detail = `Operator '${name}' expects a single value, not a list, at position ${tok.start}`;
          throw filterError(detail, tok.start, where);
        }
        return parsed;
      case "list":
        // `role=in=admin` is a one-element list.
        return isList ? parsed : { value: [parsed.value as RsqlLiteral], raws: parsed.raws };
      case "range":
        if (!isList || (parsed.value as RsqlLiteral[]).length !== 2) {
          throw filterError(
            `Operator '${name}' expects two values such as [18,65] at position ${tok.start}`,
            tok.start,
            where,
          );
        }
        return parsed;
      case "boolean":
        if (isList || typeof parsed.value !== "boolean") {
          throw filterError(`Operator '${name}' expects true or false at position ${tok.start}`, tok.start, where);
        }
        return parsed;
    }
  }

  private parseList(field: string, operator: string): { value: RsqlLiteral[]; raws: (string | undefined)[] } {
    const open = this.next();
    const closeKind = open.kind === "(" ? ")" : "]";
    const value: RsqlLiteral[] = [];
    const raws: (string | undefined)[] = [];
    if (this.peek().kind === closeKind) {
      this.next();
      return { value, raws };
    }
    for (;;) {
      const item = this.parseLiteral(field, operator);
      value.push(item.value);
      raws.push(item.raws[0]);
      const tok = this.next();
      if (tok.kind === closeKind) return { value, raws };
      if (tok.kind !== ",") {
        throw filterError(`Expected ',' or '${closeKind}' at position ${tok.start}, found ${found(tok)}`, tok.start, {
          field,
          operator,
        });
      }
    }
  }

  private parseLiteral(field: string, operator: string): { value: RsqlLiteral; raws: (string | undefined)[] } {
    const tok = this.next();
    if (tok.kind === "string") return { value: tok.value, raws: [undefined] };
    if (tok.kind === "word") return { value: parseBareLiteral(tok, field, operator), raws: [tok.text] };
    throw filterError(`Expected a value at position ${tok.start}, found ${found(tok)}`, tok.start, { field, operator });
  }
}

/** An unquoted value: true/false/null, a number, an ISO date(time), or else a plain string. */
function parseBareLiteral(tok: Token, field: string, operator: string): RsqlLiteral {
  const text = tok.text;
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  if (NUMBER_PATTERN.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) {
      throw filterError(`Number '${text}' at position ${tok.start} is out of range`, tok.start, { field, operator });
    }
    return n;
  }
  if (looksLikeDate(text)) {
    const date = parseIsoDate(text);
    if (!date) throw filterError(`Invalid date '${text}' at position ${tok.start}`, tok.start, { field, operator });
    return date;
  }
  return text;
}

/** Parses an RSQL filter into an AST; throws a `filter-parse-error` problem with a `position`. */
export function parseRsql(input: string, options: ParseRsqlOptions = {}): RsqlNode {
  const maxLength = options.maxLength ?? RSQL_LIMITS.maxLength;
  if (typeof input !== "string") throw filterError("Filter must be a string", 0);
  if (input.length > maxLength) {
    throw filterError(`Filter is ${input.length} characters long; the maximum is ${maxLength}`, maxLength);
  }
  if (input.trim() === "") throw filterError("Filter is empty", 0);
  const parser = new Parser(
    tokenize(input),
    options.operators ?? defaultOperators(),
    options.maxDepth ?? RSQL_LIMITS.maxDepth,
    options.maxComparisons ?? RSQL_LIMITS.maxComparisons,
  );
  return parser.parseFilter();
}
