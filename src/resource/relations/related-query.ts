/**
 * One query per relation per level: the related rows of a whole page of parents. To-many
 * relations with a per-parent limit number rows within each parent with `row_number()` over a
 * window (SQLite 3.25+ and Postgres), so "5 comments per post" is still one query.
 */
import { Param, inArray, lte, sql, type Column, type SQL, type Table } from "drizzle-orm";
import { mapDatabaseError } from "../../kernel/db-errors";
import type { TableInfo } from "../table-info";
import {
  keyBucket,
  keyPlaceholder,
  keyValues,
  preparedRelated,
  preparesRelated,
  type PreparedRelated,
} from "./related-statements";
import { assumeType } from "../../kernel/erased";

type Row = Record<string, unknown>;
type Field = Column | SQL.Aliased;

// The SQLite and Postgres builders share this shape; their declared types differ too much to call
// a union, so it is narrowed here once (as queries.ts does for the resource's own table).
interface SelectChain extends PromiseLike<Row[]> {
  innerJoin(table: Table, on: SQL): SelectChain;
  where(where: SQL | undefined): SelectChain;
  orderBy(...order: (SQL | Column)[]): SelectChain;
  as(alias: string): Subquery;
  prepare(): PreparedRelated;
}
type Subquery = Table & Record<string, Column>;
interface Builders {
  select(fields?: Record<string, Field>): { from(table: Table | Subquery): SelectChain };
}

/** Alias of the parent key in a many-to-many row (the junction's column). */
export const OWNER = "__covara_owner";
const RANK = "__covara_rank";

/** Everything about a related-rows query but the parents' keys. */
export interface RelatedShape {
  /** Target columns to return, by key. */
  columns: readonly string[];
  /** The target column (or junction column) matched against the parents' keys. */
  ownerColumn: Column;
  /** Scope, liveness and the include's own filter, already combined. */
  where: SQL | undefined;
  orderBy: SQL[];
  /** Most rows per parent; undefined for no per-parent bound (belongsTo). */
  perParent?: number;
  /** The junction of a many-to-many relation, joined on `targetColumn = target[targetKey]`. */
  join?: { table: Table; on: SQL };
}

/** The select for `shape`, its owner column matched by `ownerIn`. */
function buildSelect(target: TableInfo, shape: RelatedShape, ownerIn: SQL): SelectChain {
  // Both dialects' databases have these builders; their union has no callable ones.
  const db = assumeType<Builders>(target.db);
  const fields: Record<string, Field> = {};
  for (const key of shape.columns) fields[key] = target.columns[key]!;
  if (shape.join) fields[OWNER] = sql`${shape.ownerColumn}`.as(OWNER);
  const where = shape.where ? sql`${ownerIn} and ${shape.where}` : ownerIn;
  if (shape.perParent === undefined) {
    let select = db.select(fields).from(target.table);
    if (shape.join) select = select.innerJoin(shape.join.table, shape.join.on);
    select = select.where(where);
    return shape.orderBy.length > 0 ? select.orderBy(...shape.orderBy) : select;
  }
  const order = shape.orderBy.length > 0 ? sql.join(shape.orderBy, sql`, `) : sql`1`;
  const ranking = {
    ...fields,
    [RANK]: sql<number>`row_number() over (partition by ${shape.ownerColumn} order by ${order})`.as(RANK),
  };
  let inner = db.select(ranking).from(target.table);
  if (shape.join) inner = inner.innerJoin(shape.join.table, shape.join.on);
  const ranked = inner.where(where).as("covara_related");
  // The rank orders and bounds the rows but is not returned, so no row needs it deleted.
  const outer: Record<string, Field> = {};
  for (const key of Object.keys(fields)) outer[key] = ranked[key]!;
  return db.select(outer).from(ranked).where(lte(ranked[RANK]!, shape.perParent)).orderBy(ranked[RANK]!);
}

/**
 * Selects the related rows of every parent key at once. `shapeKey`, when given, must identify the
 * SQL text and bound values `shape()` yields; on synchronous SQLite the statement is then
 * prepared once per shape and key-count bucket, and `shape()` is not called again.
 */
export async function selectRelated(
  target: TableInfo,
  keys: readonly unknown[],
  shape: () => RelatedShape,
  shapeKey?: string,
): Promise<Row[]> {
  try {
    const bucket = shapeKey !== undefined && preparesRelated(target) ? keyBucket(keys.length) : null;
    if (bucket === null) {
      const built = shape();
      return await buildSelect(target, built, inArray(built.ownerColumn, [...keys]));
    }
    const statement = preparedRelated(target, `${shapeKey}|${bucket}`, () => {
      const built = shape();
      // Params carry the owner column as encoder, so keys are mapped to driver values as inArray does.
      const placeholders = Array.from(
        { length: bucket },
        (_, i) => new Param(sql.placeholder(keyPlaceholder(i)), built.ownerColumn),
      );
      return buildSelect(target, built, sql`${built.ownerColumn} in ${placeholders}`).prepare();
    });
    return await statement.all(keyValues(keys, bucket));
  } catch (error) {
    throw mapDatabaseError(error, target.name);
  }
}
