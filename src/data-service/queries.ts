/**
 * The data service's SQL: reads by id and by page, and the write statements a unit of work
 * yields, the same on SQLite and Postgres.
 */
import { and, asc, Column, desc, eq, getTableColumns, type SQL, type Table } from "drizzle-orm";
import type { AnyDatabase } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";
import { problems } from "../kernel/errors";
import type { DataTable, RowId } from "./types";

type Row = Record<string, unknown>;

// The SQLite and Postgres select builders share this shape; their union has no callable one.
interface Selects {
  select(): { from(table: Table): SelectChain };
}
interface SelectChain extends PromiseLike<Row[]> {
  where(where: SQL | undefined): SelectChain;
  orderBy(...order: SQL[]): SelectChain;
  limit(limit: number): SelectChain;
  offset(offset: number): SelectChain;
}

export interface PageQuery {
  where?: Row;
  orderBy?: string;
  desc?: boolean;
  page?: number;
  limit?: number;
}

export const MAX_LIMIT = 1000;

export function columnOf(table: Table, name: string): Column {
  const column: unknown = (getTableColumns(table) as Record<string, unknown>)[name];
  // A 400, not a TypeError: an app may pass a client's sort or filter field straight through.
  if (!(column instanceof Column))
    throw problems.validation(`The table has no column '${name}'`, [{ path: name, message: "Unknown column" }]);
  return column;
}

export async function selectById(db: AnyDatabase, served: DataTable, id: RowId): Promise<Row | null> {
  const rows = await assumeType<Selects>(db).select().from(served.table).where(eq(served.id, id)).limit(1);
  return rows[0] ?? null;
}

/** A page query as SQL parts: `column` resolves (and may refuse) each field it names. */
export function pageParts(
  served: DataTable,
  query: PageQuery,
  column: (name: string) => Column = (name) => columnOf(served.table, name),
): { where: SQL | undefined; orderBy: SQL; limit: number; offset: number } {
  const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(query.limit ?? 20)));
  const page = Math.max(1, Math.trunc(query.page ?? 1));
  const conditions = Object.entries(query.where ?? {}).map(([name, value]) => eq(column(name), value));
  const order = query.orderBy === undefined ? served.id : column(query.orderBy);
  return {
    where: conditions.length === 0 ? undefined : and(...conditions),
    orderBy: query.desc ? desc(order) : asc(order),
    limit,
    offset: (page - 1) * limit,
  };
}

export function selectPage(db: AnyDatabase, served: DataTable, query: PageQuery): PromiseLike<Row[]> {
  const parts = pageParts(served, query);
  return assumeType<Selects>(db)
    .select()
    .from(served.table)
    .where(parts.where)
    .orderBy(parts.orderBy)
    .limit(parts.limit)
    .offset(parts.offset);
}

/** A stable text of a list query, for its cache key. */
export function pageKey(query: PageQuery): string {
  const where = Object.entries(query.where ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(
    [where, query.orderBy ?? null, query.desc === true, query.page ?? 1, query.limit ?? 20],
    (_key, value: unknown) =>
      typeof value === "bigint" ? `${value}n` : value instanceof Date ? value.toISOString() : value,
  );
}
