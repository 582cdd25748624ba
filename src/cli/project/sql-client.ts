/**
 * Plain SQL over the project's driver (libsql or postgres-js), for the `covara db` commands that
 * work below Drizzle: migrations, scripts, import and export. One small interface, two adapters.
 */
/** The two SQL dialects a database URL can name. */
export type UrlDialect = "sqlite" | "pg";

export type Row = Record<string, unknown>;

export interface SqlClient {
  dialect: UrlDialect;
  /** The rows of one statement; parameters are numbered from 1 with `placeholder(n)`. */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements separated by semicolons (a migration, a .sql file). */
  script(text: string): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** A table's rows in batches of `size`, read as they are needed rather than all at once. */
  batches(table: string, size: number): AsyncIterable<Row[]>;
}

/** `?` for SQLite, `$n` for PostgreSQL. */
export function placeholder(dialect: UrlDialect, index: number): string {
  return dialect === "pg" ? `$${index}` : "?";
}

/** A double-quoted identifier (both dialects), with embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** What libsql binds: its `InValue`. */
type LibsqlValue = null | string | number | bigint | boolean | ArrayBuffer | Uint8Array | Date;

/** A parameter as libsql takes it; anything else (a JSON value read from a file) goes as its JSON text. */
function toLibsqlValue(value: unknown): LibsqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return value;
  if (value instanceof Date || value instanceof ArrayBuffer || value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}

interface LibsqlResult {
  columns: string[];
  rows: ArrayLike<unknown>[];
}
interface LibsqlExecutor {
  execute(statement: { sql: string; args: LibsqlValue[] }): Promise<LibsqlResult>;
  executeMultiple(sql: string): Promise<void>;
}
export interface LibsqlLike extends LibsqlExecutor {
  transaction(
    mode: "write",
  ): Promise<LibsqlExecutor & { commit(): Promise<void>; rollback(): Promise<void>; close(): void }>;
}

/** libsql: a local SQLite file or a Turso database. */
export function libsqlSqlClient(client: LibsqlLike): SqlClient {
  return libsqlOver(client, (work) => runLibsqlTransaction(client, work));
}

function libsqlOver(executor: LibsqlExecutor, transaction: SqlClient["transaction"]): SqlClient {
  const query = async (text: string, params: readonly unknown[] = []) => {
    const result = await executor.execute({ sql: text, args: params.map(toLibsqlValue) });
    return result.rows.map((row) => Object.fromEntries(result.columns.map((column, index) => [column, row[index]])));
  };
  return {
    dialect: "sqlite",
    query,
    script: (text) => executor.executeMultiple(text),
    transaction,
    async *batches(table, size) {
      // Keyset paging on rowid: each batch is one small query, however big the table.
      let after: unknown = null;
      for (;;) {
        const rows = await query(
          `select rowid as "__covara_rowid", * from ${quoteIdentifier(table)} ${after === null ? "" : "where rowid > ? "}order by rowid limit ${size}`,
          after === null ? [] : [after],
        );
        if (rows.length === 0) return;
        after = rows.at(-1)?.__covara_rowid ?? null;
        yield rows.map(({ __covara_rowid: _, ...row }) => row);
        if (rows.length < size) return;
      }
    },
  };
}

async function runLibsqlTransaction<T>(client: LibsqlLike, work: (tx: SqlClient) => Promise<T>): Promise<T> {
  const tx = await client.transaction("write");
  try {
    const inner = libsqlOver(tx, (nested) => nested(inner));
    const result = await work(inner);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => {});
    throw error;
  } finally {
    tx.close();
  }
}

interface PgQuery extends PromiseLike<Row[]> {
  simple(): PromiseLike<unknown>;
  cursor(rows: number): AsyncIterable<Row[]>;
}
export interface PostgresLike {
  unsafe(text: string, params?: unknown[]): PgQuery;
  begin<T>(work: (tx: PostgresLike) => Promise<T>): Promise<T>;
}

/** postgres-js. */
export function postgresSqlClient(client: PostgresLike, inTransaction = false): SqlClient {
  return {
    dialect: "pg",
    query: async (text, params = []) => Array.from(await client.unsafe(text, [...params])),
    script: async (text) => void (await client.unsafe(text).simple()),
    transaction: async <T>(work: (tx: SqlClient) => Promise<T>) =>
      inTransaction ? work(postgresSqlClient(client, true)) : client.begin((tx) => work(postgresSqlClient(tx, true))),
    batches: (table, size) => client.unsafe(`select * from ${quoteIdentifier(table)}`).cursor(size),
  };
}
