/**
 * `covara db export <table>`: the table's rows as a JSON array (one row per line) or CSV with a
 * header, written batch by batch as they are read, so a table bigger than memory exports fine.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { CliIO } from "../output";
import { quoteIdentifier, type SqlClient } from "../project/sql-client";
import { csvLine } from "./csv";
import { toCsvText, toJsonValue } from "./portable";
import { rowProgress } from "./progress";
import { tableColumns } from "./tables";

export type DataFormat = "json" | "csv";

const BATCH = 1_000;

/** Where the export goes: a file (waiting on its buffer) or the command's stdout. */
export interface Sink {
  write(text: string): Promise<void>;
  end(): Promise<void>;
}

export function fileSink(path: string): Sink {
  const stream = createWriteStream(path);
  return {
    async write(text) {
      if (!stream.write(text)) await once(stream, "drain");
    },
    async end() {
      stream.end();
      await once(stream, "finish");
    },
  };
}

export function stdoutSink(io: CliIO): Sink {
  return { write: async (text) => io.stdout(text), end: async () => {} };
}

/** Writes every row of `table` to `sink`; resolves to the number of rows. */
export async function exportTable(
  io: CliIO,
  sql: SqlClient,
  table: string,
  format: DataFormat,
  sink: Sink,
): Promise<number> {
  const columns = (await tableColumns(sql, table)).map((column) => column.name);
  const total = io.progress
    ? Number((await sql.query(`select count(*) as n from ${quoteIdentifier(table)}`))[0]?.n ?? 0)
    : undefined;
  const progress = rowProgress(io, `exporting ${table}`, total);
  let count = 0;
  await sink.write(format === "csv" ? csvLine(columns) : "[\n");
  for await (const rows of sql.batches(table, BATCH)) {
    const text =
      format === "csv"
        ? rows.map((row) => csvLine(columns.map((column) => toCsvText(row[column])))).join("")
        : rows
            .map(
              (row, index) =>
                `${count + index === 0 ? "" : ",\n"}${JSON.stringify(Object.fromEntries(columns.map((column) => [column, toJsonValue(row[column])])))}`,
            )
            .join("");
    await sink.write(text);
    count += rows.length;
    progress.add(rows.length);
  }
  if (format === "json") await sink.write(count === 0 ? "]\n" : "\n]\n");
  await sink.end();
  progress.done();
  return count;
}
