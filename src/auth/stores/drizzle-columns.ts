/**
 * The SQL boundary of the Drizzle stores: converts logical values (Date, JSON, string arrays) to
 * whatever a mapped column holds — a timestamp, epoch-millisecond integer, ISO text, JSON or text —
 * and back, so an Auth.js-style or hand-rolled table works without a custom codec.
 */
import { type Column, getTableColumns, type SQL, type Table } from "drizzle-orm";

/** What a logical key holds, independent of the column that stores it. */
export type LogicalType = "string" | "date" | "json" | "stringArray" | "integer";

/** A logical value in the form the column's Drizzle type expects. */
export function encodeValue(column: Column, type: LogicalType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "date": {
      const date = value as Date;
      if (column.dataType === "number") return date.getTime();
      if (column.dataType === "bigint") return BigInt(date.getTime());
      if (column.dataType === "string") return date.toISOString();
      return date;
    }
    case "json":
    case "stringArray":
      if (column.dataType === "string") return JSON.stringify(value);
      return value;
    case "integer":
      if (column.dataType === "string") return String(value);
      if (column.dataType === "bigint") return BigInt(value as number);
      return value;
    default:
      return value;
  }
}

/** A column's value read back as its logical type; unreadable values become null. */
export function decodeValue(type: LogicalType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case "date":
      return toDate(raw);
    case "json":
      return toJsonObject(raw);
    case "stringArray": {
      const parsed = typeof raw === "string" ? parseJson(raw) : raw;
      return Array.isArray(parsed) && parsed.every((item) => typeof item === "string") ? parsed : null;
    }
    case "integer": {
      const number = Number(raw);
      return Number.isFinite(number) ? number : null;
    }
    default:
      return typeof raw === "string" ? raw : String(raw);
  }
}

function toDate(raw: unknown): Date | null {
  let date: Date;
  if (raw instanceof Date) date = raw;
  else if (typeof raw === "number" || typeof raw === "bigint") date = new Date(Number(raw));
  else if (typeof raw === "string") date = /^-?\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
  else return null;
  return Number.isNaN(date.getTime()) ? null : date;
}

function toJsonObject(raw: unknown): Record<string, unknown> | null {
  const parsed = typeof raw === "string" ? parseJson(raw) : raw;
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

type Row = Record<string, unknown>;

// The SQLite and Postgres builders share this shape, but their declared types differ enough that a
// union cannot be called; the stores narrow them here, once.
interface Builders {
  select(fields: Record<string, Column>): { from(table: Table): { where(where: SQL | undefined): SelectQuery } };
  insert(table: Table): { values(values: Row): Promise<unknown> };
  update(table: Table): {
    set(values: Row): { where(where: SQL | undefined): { returning(fields: Record<string, Column>): Promise<Row[]> } };
  };
  delete(table: Table): {
    where(where: SQL | undefined): { returning(fields: Record<string, Column>): Promise<Row[]> };
  };
}

interface SelectQuery extends Promise<Row[]> {
  /** SQLite takes no name; Postgres needs one (and ignores the argument count difference). */
  prepare(name?: string): { execute(placeholders: Record<string, unknown>): Row[] | Promise<Row[]> };
}

let preparedCounter = 0;

/** A resolved table the way the stores see it: logical key → column, with its logical type. */
export interface MappedTable<K extends string> {
  table: Table;
  columns: Partial<Record<K, Column>>;
  types: Record<K, LogicalType>;
}

/** Queries over one mapped table in logical keys; column names appear only inside this object. */
export class MappedTableAccess<K extends string> {
  private readonly propertyOf = new Map<Column, string>();

  constructor(
    private readonly db: unknown,
    private readonly mapped: MappedTable<K>,
  ) {
    for (const [property, column] of Object.entries(getTableColumns(mapped.table)))
      this.propertyOf.set(column, property);
  }

  /** The column of a logical key (the key must be mapped). */
  column(key: K): Column {
    const column = this.mapped.columns[key];
    if (column === undefined) throw new Error(`internal: logical key "${key}" has no column`);
    return column;
  }

  /** True when the table maps this (optional) logical key. */
  has(key: K): boolean {
    return this.mapped.columns[key] !== undefined;
  }

  /** A logical value encoded for the key's column, for use in where clauses. */
  encode(key: K, value: unknown): unknown {
    return encodeValue(this.column(key), this.mapped.types[key], value);
  }

  async select(where: SQL | undefined): Promise<Partial<Record<K, unknown>>[]> {
    const rows = await this.builders().select(this.selection()).from(this.mapped.table).where(where);
    return rows.map((row) => this.decodeRow(row));
  }

  /**
   * A select prepared once, for a hot path: `where` uses `sql.placeholder(name)`, and the returned
   * function takes values in logical form for those placeholders (keyed by placeholder name, each
   * naming the logical key whose column it is compared with). Building a Drizzle query costs far
   * more than running it; this builds it once.
   */
  prepareSelect(
    where: SQL,
    placeholderKeys: Record<string, K>,
  ): (values: Record<string, unknown>) => Promise<Partial<Record<K, unknown>>[]> {
    const query = this.builders().select(this.selection()).from(this.mapped.table).where(where);
    const prepared = query.prepare(`covara_${++preparedCounter}`);
    return async (values) => {
      const params: Record<string, unknown> = {};
      for (const [name, key] of Object.entries(placeholderKeys)) params[name] = this.driverValue(key, values[name]);
      const rows = await prepared.execute(params);
      return rows.map((row) => this.decodeRow(row));
    };
  }

  /** A logical value as the driver receives it (placeholders skip Drizzle's own column mapping). */
  private driverValue(key: K, value: unknown): unknown {
    const column = this.column(key);
    const encoded = encodeValue(column, this.mapped.types[key], value);
    return encoded === null ? null : column.mapToDriverValue(encoded);
  }

  async insert(values: Partial<Record<K, unknown>>): Promise<void> {
    await this.builders().insert(this.mapped.table).values(this.encodeRow(values));
  }

  /** Updates matching rows; returns how many matched. */
  async update(values: Partial<Record<K, unknown>>, where: SQL | undefined, countBy: K): Promise<number> {
    const encoded = this.encodeRow(values);
    if (Object.keys(encoded).length === 0) return (await this.select(where)).length;
    const rows = await this.builders()
      .update(this.mapped.table)
      .set(encoded)
      .where(where)
      .returning({ key: this.column(countBy) });
    return rows.length;
  }

  /** Deletes matching rows and returns them (a single atomic statement on both dialects). */
  async delete(where: SQL | undefined): Promise<Partial<Record<K, unknown>>[]> {
    const rows = await this.builders().delete(this.mapped.table).where(where).returning(this.selection());
    return rows.map((row) => this.decodeRow(row));
  }

  private builders(): Builders {
    return this.db as Builders;
  }

  private selection(): Record<string, Column> {
    const fields: Record<string, Column> = {};
    for (const [key, column] of Object.entries(this.mapped.columns) as [K, Column | undefined][]) {
      if (column !== undefined) fields[key] = column;
    }
    return fields;
  }

  private encodeRow(values: Partial<Record<K, unknown>>): Row {
    const row: Row = {};
    for (const [key, value] of Object.entries(values) as [K, unknown][]) {
      if (value === undefined) continue;
      const column = this.mapped.columns[key];
      if (column === undefined) continue; // an optional key the table does not have
      row[this.propertyOf.get(column)!] = encodeValue(column, this.mapped.types[key], value);
    }
    return row;
  }

  private decodeRow(row: Row): Partial<Record<K, unknown>> {
    const decoded: Partial<Record<K, unknown>> = {};
    for (const [key, value] of Object.entries(row) as [K, unknown][])
      decoded[key] = decodeValue(this.mapped.types[key], value);
    return decoded;
  }
}
