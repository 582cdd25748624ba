/**
 * One query per relation per level: the related rows of a whole page of parents. To-many
 * relations with a per-parent limit number rows within each parent with `row_number()` over a
 * window (SQLite 3.25+ and Postgres), so "5 comments per post" is still one query.
 */
import { inArray, lte, sql, type Column, type SQL, type Table } from "drizzle-orm";
import { mapDatabaseError } from "../../kernel/db-errors";
import type { TableInfo } from "../table-info";

type Row = Record<string, unknown>;
type Field = Column | SQL.Aliased;

// The SQLite and Postgres builders share this shape; their declared types differ too much to call
// a union, so it is narrowed here once (as queries.ts does for the resource's own table).
interface SelectChain extends PromiseLike<Row[]> {
  innerJoin(table: Table, on: SQL): SelectChain;
  where(where: SQL | undefined): SelectChain;
  orderBy(...order: (SQL | Column)[]): SelectChain;
  as(alias: string): Subquery;
}
type Subquery = Table & Record<string, Column>;
interface Builders {
  select(fields?: Record<string, Field>): { from(table: Table | Subquery): SelectChain };
}

/** Alias of the parent key in a many-to-many row (the junction's column). */
export const OWNER = "__covara_owner";
export const RANK = "__covara_rank";

export interface RelatedQuery {
  target: TableInfo;
  /** Target columns to return, by key. */
  columns: readonly string[];
  /** The target column (or junction column) matched against the parents' keys. */
  ownerColumn: Column;
  keys: readonly unknown[];
  /** Scope, liveness and the include's own filter, already combined. */
  where: SQL | undefined;
  orderBy: SQL[];
  /** Most rows per parent; undefined for no per-parent bound (belongsTo). */
  perParent?: number;
  /** The junction of a many-to-many relation, joined on `targetColumn = target[targetKey]`. */
  join?: { table: Table; on: SQL };
}

/** Selects the related rows of every parent key at once. */
export async function selectRelated(query: RelatedQuery): Promise<Row[]> {
  const db = query.target.db as unknown as Builders;
  const fields: Record<string, Field> = {};
  for (const key of query.columns) fields[key] = query.target.columns[key]!;
  if (query.join) fields[OWNER] = sql`${query.ownerColumn}`.as(OWNER);
  const where = query.where ? sql`${inArray(query.ownerColumn, [...query.keys])} and ${query.where}` : inArray(query.ownerColumn, [...query.keys]);
  try {
    if (query.perParent === undefined) {
      let select = db.select(fields).from(query.target.table);
      if (query.join) select = select.innerJoin(query.join.table, query.join.on);
      select = select.where(where);
      return await (query.orderBy.length > 0 ? select.orderBy(...query.orderBy) : select);
    }
    const order = query.orderBy.length > 0 ? sql.join(query.orderBy, sql`, `) : sql`1`;
    fields[RANK] = sql<number>`row_number() over (partition by ${query.ownerColumn} order by ${order})`.as(RANK);
    let inner = db.select(fields).from(query.target.table);
    if (query.join) inner = inner.innerJoin(query.join.table, query.join.on);
    const ranked = inner.where(where).as("covara_related");
    return await db.select().from(ranked).where(lte(ranked[RANK]!, query.perParent)).orderBy(ranked[RANK]!);
  } catch (error) {
    throw mapDatabaseError(error, query.target.name);
  }
}
