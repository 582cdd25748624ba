/**
 * The resource's SQL: select, count, insert, update, delete, the same on every dialect. This is
 * the one place that talks to the Drizzle query builders, and the one place that turns a driver
 * error into a problem.
 */
import { and, Column, count, eq, is, type SQL, type Table } from "drizzle-orm";
import { mapDatabaseError } from "../kernel/db-errors";
import type { TableInfo } from "./table-info";
import { companionsOf, writeWithCompanions } from "./companion-writes";
import { assumeType } from "../kernel/erased";
import { driverOf } from "../kernel/dialect";

type Row = Record<string, unknown>;

// The SQLite and Postgres builders share this shape, but their declared types differ enough that
// a union cannot be called; the resource narrows them here, once.
interface Builders {
  select(fields?: Record<string, Column | SQL>): {
    from(table: Table): SelectChain;
  };
  insert(table: Table): { values(values: Row): { returning(): Promise<Row[]> } };
  update(table: Table): { set(values: Row): { where(where: SQL | undefined): { returning(): Promise<Row[]> } } };
  delete(table: Table): { where(where: SQL | undefined): { returning(): Promise<Row[]> } };
}
interface SelectChain extends Promise<Row[]> {
  prepare(): { all(): Row[] | Promise<Row[]> };
  where(where: SQL | undefined): SelectChain;
  groupBy(...columns: Column[]): SelectChain;
  orderBy(...order: SQL[]): SelectChain;
  limit(limit: number): SelectChain;
  offset(offset: number): SelectChain;
}

function builders(info: TableInfo): Builders {
  // Both dialects' databases have these builders; their union has no callable ones.
  return assumeType<Builders>(info.db);
}

/** Runs a query, turning driver errors (constraints, bad values) into problems. */
async function run<T>(info: TableInfo, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    throw mapDatabaseError(error, info.name);
  }
}

export interface SelectOptions {
  columns: readonly string[];
  where?: SQL | undefined;
  orderBy?: SQL[];
  limit?: number;
  /** Rows skipped before the first one returned (page-numbered reads; the REST list uses cursors). */
  offset?: number;
}

/**
 * Prepared selects by query identity. On synchronous SQLite (better-sqlite3) this spares SQLite
 * compiling the statement on every request; on the async drivers it spares Drizzle building the
 * query (the drivers cache statements by text themselves). A key must identify the SQL text AND
 * its bound values.
 */
export class PreparedSelects {
  private readonly entries = new Map<string, { all(): Row[] | Promise<Row[]> }>();
  constructor(private readonly capacity = 256) {}

  get(key: string, prepare: () => { all(): Row[] | Promise<Row[]> }) {
    let prepared = this.entries.get(key);
    if (!prepared) {
      prepared = prepare();
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, prepared);
    }
    return prepared;
  }
}

/** Drizzle's synchronous SQLite prepared query, as far as `withDirectMapping` reads it. */
interface SyncPrepared {
  all(): Row[] | Promise<Row[]>;
  /** Synchronous on better-sqlite3, a promise on libsql. */
  values?: () => unknown[][] | Promise<unknown[][]>;
  fields?: ReadonlyArray<{ path: readonly string[]; field: unknown }>;
  customResultMapper?: unknown;
}

/** The selected columns when the selection is a plain list of the table's columns (one-segment paths), else null. */
function plainColumns(prepared: SyncPrepared): { keys: string[]; columns: Column[] } | null {
  const { fields } = prepared;
  if (
    fields === undefined ||
    prepared.customResultMapper ||
    !fields.every((entry) => entry.path.length === 1 && is(entry.field, Column))
  )
    return null;
  return { keys: fields.map((entry) => entry.path[0]!), columns: fields.map((entry) => entry.field as Column) };
}

/** Each column's decoder, or null where the column keeps the driver's value as it is (Drizzle's base mapping). */
function decodersOf(columns: readonly Column[]): (Column | null)[] {
  return columns.map((column) => (column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? null : column));
}

/**
 * Reads a prepared statement's rows as arrays and maps them with each column's decoder, found
 * once. Drizzle's own `all()` looks up the decoder of every field of every row again (`is()`
 * checks), a visible cost on a hot list route. Only for a plain selection of the table's columns
 * (one-segment paths, so Drizzle's join nullification never applies); anything else keeps
 * Drizzle's `all()`.
 */
function withDirectMapping(prepared: SyncPrepared): { all(): Row[] | Promise<Row[]> } {
  const { values } = prepared;
  const plain = typeof values === "function" ? plainColumns(prepared) : null;
  if (!plain || !values) return prepared;
  const { keys } = plain;
  const decoders = decodersOf(plain.columns);
  const mapRows = (raws: unknown[][]) =>
    raws.map((raw) => {
      const row: Row = {};
      for (let i = 0; i < keys.length; i++) {
        const value = raw[i];
        const decoder = decoders[i];
        row[keys[i]!] = value === null || !decoder ? value : decoder.mapFromDriverValue(value);
      }
      return row;
    });
  return {
    all: () => {
      const raws = values.call(prepared);
      return Array.isArray(raws) ? mapRows(raws) : raws.then(mapRows);
    },
  };
}

/**
 * An async driver's prepared select, kept for its query shape: building the query (Drizzle's
 * builder and SQL rendering) is most of a list request's own cost, and a hit skips it. No name is
 * given, so Postgres drivers send it as an unnamed statement (postgres-js still caches it by its
 * text), and nothing accumulates on the server's connections.
 */
function preparedAsync(info: TableInfo, build: () => SelectChain): { all(): Row[] | Promise<Row[]> } {
  // SQLite's async prepared query reads rows with all(), Postgres's with execute().
  const prepared = assumeType<SyncPrepared & { execute(): Promise<Row[]> }>(build().prepare());
  if (info.dialect !== "sqlite")
    return rowsAsSent(info) ? withDirectPostgresJsMapping(prepared) : { all: () => prepared.execute() };
  // libsql hands blobs over as ArrayBuffers that Drizzle converts first: those keep Drizzle's all().
  const blobs = Object.values(info.columns).some((column) => column.getSQLType() === "blob");
  return blobs ? prepared : withDirectMapping(prepared);
}

/** The part of a postgres-js client's options read here: its row, column and value transforms. */
interface PostgresJsOptions {
  options?: { transform?: { column?: { from?: unknown }; value?: { from?: unknown }; row?: { from?: unknown } } };
}

/** Whether the database is postgres-js handing rows over as the server sent them (no `transform` renaming keys or changing values). */
function rowsAsSent(info: TableInfo): boolean {
  if (driverOf(info.db).name !== "postgres-js") return false;
  const transform = assumeType<{ $client?: PostgresJsOptions }>(info.db).$client?.options?.transform;
  return !transform?.column?.from && !transform?.value?.from && !transform?.row?.from;
}

/**
 * postgres-js: Drizzle's `execute()` maps every field of every row through its generic mapper
 * (`is()` checks per field); its `all()` hands over postgres-js's own rows, keyed by column name and
 * not decoded. For a plain selection of the table's columns those rows are mapped here with each
 * column's decoder found once, as `withDirectMapping` does on SQLite.
 */
function withDirectPostgresJsMapping(prepared: SyncPrepared & { execute(): Promise<Row[]> }): {
  all(): Promise<Row[]>;
} {
  const plain = plainColumns(prepared);
  if (!plain) return { all: () => prepared.execute() };
  const { keys } = plain;
  const names = plain.columns.map((column) => column.name);
  // Two selected keys on one column name cannot be told apart in a row keyed by name.
  if (new Set(names).size !== names.length) return { all: () => prepared.execute() };
  const decoders = decodersOf(plain.columns);
  const all = prepared.all.bind(prepared);
  return {
    all: async () => {
      const raws = assumeType<Row[]>(await all());
      return raws.map((raw) => {
        const row: Row = {};
        for (let i = 0; i < keys.length; i++) {
          const value = raw[names[i]!];
          const decoder = decoders[i];
          row[keys[i]!] =
            value === null || value === undefined || !decoder ? (value ?? null) : decoder.mapFromDriverValue(value);
        }
        return row;
      });
    },
  };
}

function isSyncSqlite(info: TableInfo): boolean {
  return (info.db as { resultKind?: string }).resultKind === "sync";
}

/**
 * Selects rows with the given columns, conditions, order and limit; `cache` reuses a prepared
 * statement. `options` may be a function: with a cache hit it is never called, so the conditions
 * and order are not rebuilt for a statement that already exists.
 */
export function selectRows(
  info: TableInfo,
  select: SelectOptions | (() => SelectOptions),
  cache?: { selects: PreparedSelects; key: string },
): Promise<Row[]> {
  const build = () => {
    const options = typeof select === "function" ? select() : select;
    const fields: Record<string, Column> = {};
    for (const key of options.columns) fields[key] = info.columns[key]!;
    let query = builders(info).select(fields).from(info.table).where(options.where);
    if (options.orderBy && options.orderBy.length > 0) query = query.orderBy(...options.orderBy);
    if (options.limit !== undefined) query = query.limit(options.limit);
    if (options.offset !== undefined && options.offset > 0) query = query.offset(options.offset);
    return query;
  };
  if (cache && isSyncSqlite(info)) {
    return run(info, async () =>
      cache.selects.get(cache.key, () => withDirectMapping(build().prepare() as SyncPrepared)).all(),
    );
  }
  if (cache) return run(info, async () => cache.selects.get(cache.key, () => preparedAsync(info, build)).all());
  return run(info, build);
}

/** Counts the rows matching `where`. */
export async function countRows(info: TableInfo, where: SQL | undefined): Promise<number> {
  const rows = await run(info, () => builders(info).select({ count: count() }).from(info.table).where(where));
  return Number(rows[0]?.count ?? 0);
}

/** Selects grouped aggregates: `selection` holds the group columns and aggregate expressions. */
export function aggregateRows(
  info: TableInfo,
  selection: Record<string, Column | SQL>,
  where: SQL | undefined,
  groupBy: Column[],
  limit: number,
): Promise<Row[]> {
  return run(info, () => {
    const query = builders(info).select(selection).from(info.table).where(where);
    return (groupBy.length > 0 ? query.groupBy(...groupBy) : query).limit(limit);
  });
}

/** AND of the present conditions; undefined when there are none. */
export function allOf(...conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length <= 1 ? present[0] : and(...present);
}

/** The condition selecting one row by id, AND-ed with an optional scope condition. */
export function byId(info: TableInfo, id: unknown, scope?: SQL): SQL {
  const match = eq(info.idColumn, id);
  return scope ? and(match, scope)! : match;
}

/** Loads every column of one row, or undefined. */
export async function findRow(info: TableInfo, where: SQL): Promise<Row | undefined> {
  const rows = await selectRows(info, { columns: Object.keys(info.columns), where, limit: 1 });
  return rows[0];
}

export async function insertRow(info: TableInfo, values: Row): Promise<Row> {
  // With companion writes (a search outbox), the row and its companion rows commit in one transaction.
  const companions = companionsOf(info.table, info.db);
  if (companions.length > 0) return (await writeWithCompanions(info, { kind: "insert", values }, companions))[0]!;
  const rows = await run(info, () => builders(info).insert(info.table).values(values).returning());
  return rows[0]!;
}

/** Updates the rows matching `where`; an empty change set re-reads instead of writing. */
export async function updateRows(info: TableInfo, values: Row, where: SQL): Promise<Row[]> {
  if (Object.keys(values).length === 0) {
    return selectRows(info, { columns: Object.keys(info.columns), where });
  }
  const companions = companionsOf(info.table, info.db);
  if (companions.length > 0) return writeWithCompanions(info, { kind: "update", values, where }, companions);
  return run(info, () => builders(info).update(info.table).set(values).where(where).returning());
}

export function deleteRows(info: TableInfo, where: SQL): Promise<Row[]> {
  const companions = companionsOf(info.table, info.db);
  if (companions.length > 0) return writeWithCompanions(info, { kind: "delete", where }, companions);
  return run(info, () => builders(info).delete(info.table).where(where).returning());
}
