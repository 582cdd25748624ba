/**
 * The search outbox table: one row per write of a searchable resource, written in the write's own
 * transaction and deleted once the index has caught up. Created on first use in the resource's
 * database; the DDL is also what docs/search.md shows for migrations.
 */
import { sql } from "drizzle-orm";
import { bigserial, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { AnyDatabase, Dialect } from "../kernel/dialect";
import { executeStatement, quoteIdentifier } from "./sql";

export const DEFAULT_OUTBOX_TABLE = "covara_search_outbox";
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function sqliteOutbox(name: string) {
  return sqliteTable(name, {
    id: integer("id").primaryKey({ autoIncrement: true }),
    resource: text("resource").notNull(),
    rowId: text("row_id").notNull(),
    op: text("op").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  });
}

function pgOutbox(name: string) {
  return pgTable(name, {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    resource: pgText("resource").notNull(),
    rowId: pgText("row_id").notNull(),
    op: pgText("op").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
  });
}

/** The outbox of one database: its Drizzle table and how to create it. */
export interface OutboxTable {
  name: string;
  dialect: Dialect;
  /** Columns: id, resource, rowId, op, createdAt. */
  table: ReturnType<typeof sqliteOutbox> | ReturnType<typeof pgOutbox>;
}

/** Checks an outbox table name (it is written into DDL). */
export function validateOutboxName(name: string): string {
  if (!TABLE_NAME.test(name)) throw new TypeError(`covara: '${name}' is not a valid search outbox table name`);
  return name;
}

/** The Drizzle table of an outbox. */
export function outboxTable(name: string, dialect: Dialect): OutboxTable {
  return { name, dialect, table: dialect === "pg" ? pgOutbox(name) : sqliteOutbox(name) };
}

/** The statements that create a search outbox table and its index (idempotent), for migrations. */
export function searchOutboxDdl(dialect: Dialect, name: string = DEFAULT_OUTBOX_TABLE): string[] {
  const table = quoteIdentifier(name);
  const index = quoteIdentifier(`${name}_resource_idx`);
  const id = dialect === "pg" ? `"id" bigserial PRIMARY KEY` : `"id" integer PRIMARY KEY AUTOINCREMENT`;
  const createdAt =
    dialect === "pg" ? `"created_at" timestamptz NOT NULL DEFAULT now()` : `"created_at" integer NOT NULL`;
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (${id}, "resource" text NOT NULL, "row_id" text NOT NULL, "op" text NOT NULL, ${createdAt})`,
    `CREATE INDEX IF NOT EXISTS ${index} ON ${table} ("resource", "id")`,
  ];
}

const created = new WeakMap<object, Map<string, Promise<void>>>();

/** Creates the outbox table in `db` once per process; a failed attempt is retried next time. */
export function ensureOutboxTable(db: AnyDatabase, outbox: OutboxTable): Promise<void> {
  let byName = created.get(db);
  if (!byName) created.set(db, (byName = new Map()));
  let pending = byName.get(outbox.name);
  if (!pending) {
    pending = (async () => {
      for (const statement of searchOutboxDdl(outbox.dialect, outbox.name))
        await executeStatement(db, outbox.dialect, sql.raw(statement));
    })();
    byName.set(outbox.name, pending);
    pending.catch(() => byName!.delete(outbox.name));
  }
  return pending;
}
