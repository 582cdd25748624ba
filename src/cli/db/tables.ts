/** The tables of the live database and their columns, to check names before import and export. */
import { CliError } from "../output";
import type { SqlClient } from "../project/sql-client";

/** The user's tables (not SQLite's own, not drizzle-kit's or covara's bookkeeping). */
export async function listTables(sql: SqlClient): Promise<string[]> {
  const rows =
    sql.dialect === "pg"
      ? await sql.query(
          "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1",
        )
      : await sql.query(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by 1",
        );
  return rows
    .map((row) => String(row.name))
    .filter((name) => !name.startsWith("__drizzle") && name !== "covara_migrations");
}

export interface Column {
  name: string;
  /** The declared type, lower case: `integer`, `boolean`, `jsonb`, `array` (PostgreSQL arrays). */
  type: string;
}

/** The columns of `table`, in their order; an unknown table is an error listing the known ones. */
export async function tableColumns(sql: SqlClient, table: string): Promise<Column[]> {
  const rows =
    sql.dialect === "pg"
      ? await sql.query(
          "select column_name as name, data_type as type from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position",
          [table],
        )
      : await sql.query("select name, type from pragma_table_info(?)", [table]);
  if (rows.length === 0) {
    const known = await listTables(sql);
    throw new CliError(
      `no table "${table}" in the database.`,
      known.length
        ? `Its tables: ${known.join(", ")}.`
        : 'It has no tables yet: run "covara db push" or "covara db migrate" first.',
    );
  }
  return rows.map((row) => ({ name: String(row.name), type: String(row.type).toLowerCase() }));
}
