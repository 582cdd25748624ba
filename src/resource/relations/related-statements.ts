/**
 * Prepared related-row selects on synchronous SQLite (better-sqlite3), where Drizzle otherwise
 * builds the SQL and SQLite compiles the statement again on every request. A statement is kept per
 * query shape and per bucket of key counts: the parents' keys are bound to placeholders, and a key
 * list is padded to its bucket by repeating its last key (`in (1, 2, 2, 2)` selects what
 * `in (1, 2)` does), so one shape needs at most 19 statements rather than one per key count.
 */
import type { TableInfo } from "../table-info";

type Row = Record<string, unknown>;

/** What Drizzle's prepared select offers on every driver: rows for placeholder values. */
export interface PreparedRelated {
  all(values: Record<string, unknown> | readonly unknown[]): Row[] | Promise<Row[]>;
}

/** Larger key lists are not prepared: they are rare, and a statement per size would not pay off. */
const MAX_PREPARED_KEYS = 1024;
const CAPACITY = 256;

const statementsByTable = new WeakMap<TableInfo, Map<string, PreparedRelated>>();

/** Whether prepared statements pay off: only synchronous SQLite lacks its own statement cache. */
export function preparesRelated(info: TableInfo): boolean {
  return (info.db as { resultKind?: string }).resultKind === "sync";
}

/**
 * The placeholder count for `count` keys, or null for none or too many: exact up to 8, then the
 * next multiple of 8 up to 64, then the next power of two. Padding costs a little per request
 * (each placeholder is filled and bound), so small lists stay exact and buckets grow with size.
 */
export function keyBucket(count: number): number | null {
  if (count === 0 || count > MAX_PREPARED_KEYS) return null;
  if (count <= 8) return count;
  if (count <= 64) return Math.ceil(count / 8) * 8;
  let bucket = 128;
  while (bucket < count) bucket *= 2;
  return bucket;
}

/**
 * The placeholder values for `keys` padded to `bucket`. Placeholders are named by position
 * (`keyPlaceholder`), so the values are a plain array: Drizzle looks each name up with `in` and
 * `[name]`, which an array answers for "0", "1", ….
 */
export function keyValues(keys: readonly unknown[], bucket: number): unknown[] {
  const values = keys.slice();
  const last = keys[keys.length - 1];
  while (values.length < bucket) values.push(last);
  return values;
}

/** The name of the placeholder for the key at `index`. */
export function keyPlaceholder(index: number): string {
  return String(index);
}

/** The statement for `shape` on `info`'s database, prepared on first use (oldest evicted first). */
export function preparedRelated(info: TableInfo, shape: string, prepare: () => PreparedRelated): PreparedRelated {
  let statements = statementsByTable.get(info);
  if (!statements) {
    statements = new Map();
    statementsByTable.set(info, statements);
  }
  let statement = statements.get(shape);
  if (!statement) {
    statement = prepare();
    if (statements.size >= CAPACITY) statements.delete(statements.keys().next().value!);
    statements.set(shape, statement);
  }
  return statement;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/**
 * A number standing for an object's identity, for shape keys: a compiled scope or filter carries
 * its bound values, so the same object means the same SQL text and values. 0 for none.
 */
export function identityOf(value: object | undefined): number {
  if (value === undefined) return 0;
  let id = identities.get(value);
  if (id === undefined) {
    id = ++nextIdentity;
    identities.set(value, id);
  }
  return id;
}
