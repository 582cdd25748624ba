/**
 * What the fan-out bench processes share: the table, the row every write inserts, and how both
 * servers frame that row as an event, so covara and the baseline send the same bytes.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const items = sqliteTable("items", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  body: text("body").notNull(),
  done: integer("done", { mode: "boolean" }).notNull().default(false),
});

export const ITEMS_DDL = `create table items (id integer primary key autoincrement, title text not null, body text not null, done integer not null default 0)`;

/** The row each write creates (about 200 bytes of JSON once stored). */
export function itemBody(round: number): { title: string; body: string } {
  return { title: `round ${round}`, body: "x".repeat(120) };
}

/** The event the baseline writes for a stored row: the same framing covara uses. */
export function baselineEvent(seq: number, row: Record<string, unknown>): string {
  return `event: added\nid: ${seq}\ndata: {"seq":${seq},"id":${JSON.stringify(row.id)},"row":${JSON.stringify(row)}}\n\n`;
}

/** A monotonic clock shared by every process on the machine (CLOCK_MONOTONIC), in ms. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
