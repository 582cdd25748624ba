/**
 * The narrow slice of Drizzle the search adapters use: a select with joins, raw statements and
 * rows from raw queries, the same on every driver. The SQLite and Postgres builders share these
 * shapes but not their declared types, so they are narrowed here once.
 */
import type { Column, SQL, Table } from "drizzle-orm";
import type { AnyDatabase, Dialect } from "../kernel/dialect";
import { assumeType } from "../kernel/erased";

type Row = Record<string, unknown>;

interface SelectChain extends PromiseLike<Row[]> {
  innerJoin(table: Table, on: SQL): SelectChain;
  where(where: SQL | undefined): SelectChain;
  orderBy(...order: (SQL | Column)[]): SelectChain;
  limit(limit: number): SelectChain;
  offset(offset: number): SelectChain;
}

interface SelectBuilder {
  select(fields: Record<string, Column | SQL>): { from(table: Table): SelectChain };
}

/** Starts a select of the given fields (columns or SQL expressions) from `table`. */
export function selectFrom(db: AnyDatabase, fields: Record<string, Column | SQL>, table: Table): SelectChain {
  // Both dialects' databases have these builders; their union has no callable ones.
  return assumeType<SelectBuilder>(db).select(fields).from(table);
}

/** Runs a statement that returns nothing useful (DDL, maintenance commands). */
export async function executeStatement(db: AnyDatabase, dialect: Dialect, statement: SQL): Promise<void> {
  if (dialect === "pg") await assumeType<{ execute(q: SQL): Promise<unknown> }>(db).execute(statement);
  else await assumeType<{ run(q: SQL): unknown }>(db).run(statement);
}

/** Runs a raw query and returns its rows, whatever shape the driver hands back. */
export async function queryRows(db: AnyDatabase, dialect: Dialect, query: SQL): Promise<Row[]> {
  if (dialect === "sqlite") return (await assumeType<{ all(q: SQL): Row[] | Promise<Row[]> }>(db).all(query)) ?? [];
  const result = await assumeType<{ execute(q: SQL): Promise<Row[] | { rows: Row[] }> }>(db).execute(query);
  return Array.isArray(result) ? result : result.rows;
}

/** `name` as a double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `text` as a single-quoted SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** FNV-1a in base 36: a short, stable tag for a definition (index names, cursor checks). */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/** The key the adapters give the score column, chosen not to collide with a real column. */
export const SCORE_KEY = "__covara_search_score";

/** Splits the score column off a selected row. */
export function splitScore(row: Row): { row: Row; score: number } {
  const score = Number(row[SCORE_KEY]);
  delete row[SCORE_KEY];
  return { row, score: Number.isFinite(score) ? score : 0 };
}
