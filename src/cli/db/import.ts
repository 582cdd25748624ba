/**
 * `covara db import <table> <file>`: rows from JSON (an array with one object per line, as export
 * writes it, or JSON Lines) or CSV with a header, read as the file streams in and inserted in
 * batches inside one transaction: a bad line stops the import with its number and nothing stays.
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { CliError, type CliIO } from "../output";
import { placeholder, quoteIdentifier, type Row, type SqlClient } from "../project/sql-client";
import { parseCsv } from "./csv";
import { fromPortable } from "./portable";
import type { DataFormat } from "./export";
import { rowProgress } from "./progress";
import { type Column, tableColumns } from "./tables";

interface SourceRow {
  values: Row;
  line: number;
}

const NOTHING_IMPORTED = "Fix that line and run the import again; nothing was imported.";

async function* csvRows(file: string, columns: string[]): AsyncGenerator<SourceRow> {
  let header: string[] | undefined;
  for await (const record of parseCsv(createReadStream(file, { encoding: "utf8" }), file)) {
    if (!header) {
      header = record.fields.map((name) => name ?? "");
      const unknown = header.find((name) => !columns.includes(name));
      if (unknown !== undefined)
        throw new CliError(
          `${file} line 1: the header names "${unknown}", which is not a column of the table.`,
          `Its columns: ${columns.join(", ")}.`,
        );
      continue;
    }
    if (record.fields.length !== header.length) {
      throw new CliError(
        `${file} line ${record.line}: ${record.fields.length} fields, but the header has ${header.length}.`,
        NOTHING_IMPORTED,
      );
    }
    const names = header;
    yield { values: Object.fromEntries(names.map((name, index) => [name, record.fields[index]])), line: record.line };
  }
}

async function* jsonRows(file: string, columns: string[]): AsyncGenerator<SourceRow> {
  let line = 0;
  for await (const text of createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    line++;
    const trimmed = text.trim().replace(/,$/, "");
    if (trimmed === "" || trimmed === "[" || trimmed === "]") continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new CliError(
        `${file} line ${line}: not one JSON object.`,
        "covara db import reads JSON Lines, or an array with one object per line (what covara db export writes).",
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new CliError(`${file} line ${line}: expected a JSON object (one row).`, NOTHING_IMPORTED);
    const unknown = Object.keys(value).find((key) => !columns.includes(key));
    if (unknown !== undefined)
      throw new CliError(
        `${file} line ${line}: "${unknown}" is not a column of the table.`,
        `Its columns: ${columns.join(", ")}.`,
      );
    yield { values: Object.fromEntries(Object.entries(value)), line };
  }
}

/** Each value as its column's driver wants it bound. */
async function* bindable(
  rows: AsyncIterable<SourceRow>,
  columns: Column[],
  dialect: SqlClient["dialect"],
): AsyncGenerator<SourceRow> {
  const types = new Map(columns.map((column) => [column.name, column.type]));
  for await (const row of rows) {
    const values: Row = {};
    for (const [name, value] of Object.entries(row.values)) {
      try {
        values[name] = fromPortable(value, types.get(name) ?? "", dialect);
      } catch {
        throw new CliError(`line ${row.line}: the value of "${name}" is not valid JSON.`, NOTHING_IMPORTED);
      }
    }
    yield { values, line: row.line };
  }
}

/** The format from `--format`, else the file's extension. */
export function formatOf(file: string, flag: string | undefined): DataFormat {
  const format = flag ?? (/\.csv$/i.test(file) ? "csv" : /\.(json|jsonl|ndjson)$/i.test(file) ? "json" : undefined);
  if (format !== "json" && format !== "csv")
    throw new CliError(`cannot tell the format of ${file}.`, "Pass --format json or --format csv.", 2);
  return format;
}

/** Inserts the rows of `file` into `table`; resolves to their number. */
export async function importTable(
  io: CliIO,
  sql: SqlClient,
  table: string,
  file: string,
  format: DataFormat,
): Promise<number> {
  if (!existsSync(file))
    throw new CliError(`no file ${file}.`, "Give the path of a .json or .csv file, relative to the project.");
  const columns = await tableColumns(sql, table);
  const names = columns.map((column) => column.name);
  const rows = bindable(format === "csv" ? csvRows(file, names) : jsonRows(file, names), columns, sql.dialect);
  const progress = rowProgress(io, `importing ${table}`, undefined);
  const count = await sql.transaction(async (tx) => {
    let inserted = 0;
    let batch: SourceRow[] = [];
    let signature = "";
    const flush = async () => {
      if (batch.length === 0) return;
      await insertBatch(tx, table, batch);
      inserted += batch.length;
      progress.add(batch.length);
      batch = [];
    };
    for await (const row of rows) {
      const keys = Object.keys(row.values).join("\u0000");
      if (keys !== signature || batch.length >= batchSize(Object.keys(row.values).length)) {
        await flush();
        signature = keys;
      }
      batch.push(row);
    }
    await flush();
    if (tx.dialect === "pg") await advanceSequences(tx, table);
    return inserted;
  });
  progress.done();
  return count;
}

/** Rows per INSERT: well under both dialects' limit on bound parameters. */
function batchSize(columns: number): number {
  return Math.max(1, Math.min(500, Math.floor(30_000 / Math.max(columns, 1))));
}

async function insertBatch(tx: SqlClient, table: string, batch: SourceRow[]): Promise<void> {
  const names = Object.keys(batch[0]?.values ?? {});
  const params = batch.flatMap((row) => names.map((name) => row.values[name]));
  const tuple = (rowIndex: number) =>
    `(${names.map((_, column) => placeholder(tx.dialect, rowIndex * names.length + column + 1)).join(", ")})`;
  // An empty object is a row of defaults; `default values` takes one row at a time.
  const statements =
    names.length === 0
      ? batch.map(() => ({ text: `insert into ${quoteIdentifier(table)} default values`, params: [] }))
      : [
          {
            text: `insert into ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(", ")}) values ${batch.map((_, index) => tuple(index)).join(", ")}`,
            params,
          },
        ];
  try {
    for (const statement of statements) await tx.query(statement.text, statement.params);
  } catch (error) {
    const first = batch[0]?.line;
    const last = batch.at(-1)?.line;
    const where = first === last ? `line ${first}` : `lines ${first}-${last}`;
    throw new CliError(
      `the database refused ${where}: ${error instanceof Error ? error.message : String(error)}`,
      NOTHING_IMPORTED,
    );
  }
}

/** Serial and identity columns were given values: move their sequences past them. */
async function advanceSequences(tx: SqlClient, table: string): Promise<void> {
  const serials = await tx.query(
    "select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1 and (column_default like 'nextval(%' or is_identity = 'YES')",
    [table],
  );
  for (const { name } of serials) {
    const column = quoteIdentifier(String(name));
    await tx.query(
      `select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${column}) from ${quoteIdentifier(table)}), 0) + 1, false)`,
      [quoteIdentifier(table), String(name)],
    );
  }
}
