/** Types derived from a Drizzle table that several layers share. */
import type { Table } from "drizzle-orm";

/** The JS property names of a table's columns. */
export type ColumnKey<TTable extends Table> = Extract<keyof TTable["_"]["columns"], string>;
