/**
 * Parses and validates the list query parameters: filter, select, orderBy, limit, cursor and
 * totalCount. Every mistake is a 400 naming the parameter; nothing here touches the database.
 */
import { ProblemError, problems } from "../kernel/errors";
import { coerceFilter, parseRsql, type RsqlNode } from "../kernel/rsql";
import { decodeCursor, type OrderKey } from "./cursor";
import type { TableInfo } from "./table-info";

export interface ListQuery {
  filter: RsqlNode | null;
  /** Response projection (readable column keys), or null for every readable column. */
  select: string[] | null;
  /** The ordering, always ending with the id so it is total. */
  order: OrderKey[];
  limit: number;
  /** Decoded values of the cursor, aligned with `order`. */
  after: unknown[] | null;
  totalCount: boolean;
  /** Include soft-deleted rows. */
  withDeleted: boolean;
}

export interface ListQueryLimits {
  defaultLimit: number;
  maxLimit: number;
  maxFilterLength?: number;
  maxFilterDepth?: number;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_LIST_ITEMS = 64;

/** Parsed filters per resource, keyed by their text: the same filter string is parsed once. */
export class FilterCache {
  private readonly entries = new Map<string, RsqlNode>();
  constructor(private readonly capacity = 500) {}

  get(text: string, parse: () => RsqlNode): RsqlNode {
    const hit = this.entries.get(text);
    if (hit) return hit;
    const node = parse();
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(text, node);
    return node;
  }
}

/** Parses a client filter against the readable columns (a hidden column cannot be probed). */
export function parseClientFilter(
  text: string,
  info: TableInfo,
  limits: ListQueryLimits,
  cache: FilterCache,
): RsqlNode {
  return cache.get(text, () => {
    const node = parseRsql(text, {
      operators: info.operators,
      maxLength: limits.maxFilterLength,
      maxDepth: limits.maxFilterDepth,
    });
    return coerceFilter(node, info.readableColumns, info.operators);
  });
}

function fieldList(parameter: string, text: string): string[] {
  const names = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (names.length === 0) throw problems.invalidParameter(parameter, `'${parameter}' lists no fields`);
  if (names.length > MAX_LIST_ITEMS) throw problems.invalidParameter(parameter, `'${parameter}' lists too many fields`);
  return names;
}

/** Checks that `name` is a readable column; anything else is a 400 naming the parameter. */
export function readableField(parameter: string, name: string, info: TableInfo): string {
  if (!FIELD_NAME.test(name) || !info.readable.has(name)) {
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    throw new ProblemError("invalid-parameter", {
      detail: `Unknown field '${shown}' in '${parameter}'`,
      extensions: { parameter, field: shown },
    });
  }
  return name;
}

/**
 * `name:desc` or `name desc` → [name, direction]; undefined without such a suffix. Plain string
 * work: a regex with a lazy prefix before `\s+` took quadratic time on a term full of spaces.
 */
function splitDirection(term: string): [string, "asc" | "desc"] | undefined {
  const lower = term.toLowerCase();
  const direction = lower.endsWith("asc") ? "asc" : lower.endsWith("desc") ? "desc" : undefined;
  if (direction === undefined) return undefined;
  const head = term.slice(0, term.length - direction.length);
  if (head.endsWith(":")) return [head.slice(0, -1).trim(), direction];
  const name = head.trimEnd();
  return name.length < head.length ? [name.trim(), direction] : undefined;
}

/** `name:asc,age:desc` (also `-age` and `age desc`) → order keys ending with the id. */
export function parseOrderBy(text: string | undefined, info: TableInfo): OrderKey[] {
  const order: OrderKey[] = [];
  const seen = new Set<string>();
  for (const term of text === undefined ? [] : fieldList("orderBy", text)) {
    let name = term;
    let direction: "asc" | "desc" = "asc";
    const suffixed = splitDirection(term);
    if (suffixed) {
      [name, direction] = suffixed;
    } else if (term.startsWith("-")) {
      name = term.slice(1);
      direction = "desc";
    } else if (term.startsWith("+")) {
      name = term.slice(1);
    }
    readableField("orderBy", name, info);
    if (seen.has(name)) throw problems.invalidParameter("orderBy", `'${name}' appears twice in 'orderBy'`);
    seen.add(name);
    order.push({ field: name, column: info.columns[name]!, direction });
  }
  if (!seen.has(info.idKey)) order.push({ field: info.idKey, column: info.idColumn, direction: "asc" });
  return order;
}

function parseLimit(text: string | undefined, limits: ListQueryLimits): number {
  if (text === undefined) return limits.defaultLimit;
  if (!/^\d{1,9}$/.test(text)) throw problems.invalidParameter("limit", "'limit' must be a positive integer");
  const limit = Number(text);
  if (limit < 1) throw problems.invalidParameter("limit", "'limit' must be at least 1");
  return Math.min(limit, limits.maxLimit);
}

export function parseBoolean(parameter: string, text: string | undefined): boolean {
  if (text === undefined || text === "false" || text === "0") return false;
  if (text === "" || text === "true" || text === "1") return true;
  throw problems.invalidParameter(parameter, `'${parameter}' must be true or false`);
}

/** Reads the select list, if any, validated against the readable columns. */
export function parseSelect(text: string | undefined, info: TableInfo): string[] | null {
  if (text === undefined) return null;
  const names = fieldList("select", text).map((name) =>
    info.computed.has(name) ? name : readableField("select", name, info),
  );
  return [...new Set(names)];
}

/**
 * The columns a read must fetch: the selected readable ones, all readable ones without `select`,
 * or every column when computed fields need the whole stored row (masking happens after).
 */
export function columnsToFetch(info: TableInfo, select: readonly string[] | null): Set<string> {
  if (info.computed.size > 0) return new Set(Object.keys(info.columns));
  if (select === null) return new Set(info.readable);
  return new Set(select.filter((name) => info.readable.has(name)));
}

/** Parses every list parameter of a request. */
export function parseListQuery(
  params: Record<string, string | undefined>,
  info: TableInfo,
  limits: ListQueryLimits,
  cache: FilterCache,
): ListQuery {
  const filterText = params.filter;
  const filter =
    filterText === undefined || filterText.trim() === "" ? null : parseClientFilter(filterText, info, limits, cache);
  const order = parseOrderBy(params.orderBy, info);
  return {
    filter,
    select: parseSelect(params.select, info),
    order,
    limit: parseLimit(params.limit, limits),
    after: params.cursor ? decodeCursor(params.cursor, order) : null,
    totalCount: parseBoolean("totalCount", params.totalCount),
    withDeleted: parseBoolean("withDeleted", params.withDeleted),
  };
}
