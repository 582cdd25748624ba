/**
 * The test schema, once per dialect with the same columns and JS names, so one behaviour suite
 * runs unchanged on SQLite and Postgres.
 */
import {
  boolean,
  doublePrecision,
  integer as pgInteger,
  pgTable,
  serial,
  text as pgText,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export function sqliteSchema() {
  const users = sqliteTable("users", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    age: integer("age"),
    role: text("role").notNull().default("user"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    score: real("score"),
    ownerId: integer("owner_id"),
    secret: text("secret"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }),
    version: integer("version").notNull().default(1),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  });
  const notes = sqliteTable("notes", {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    ownerId: integer("owner_id"),
  });
  return { users, notes };
}

export function pgSchema(suffix = "") {
  const users = pgTable(`users${suffix}`, {
    id: serial("id").primaryKey(),
    name: pgText("name").notNull(),
    email: pgText("email").notNull().unique(),
    age: pgInteger("age"),
    role: pgText("role").notNull().default("user"),
    active: boolean("active").notNull().default(true),
    score: doublePrecision("score"),
    ownerId: pgInteger("owner_id"),
    secret: pgText("secret"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }),
    version: pgInteger("version").notNull().default(1),
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
  });
  const notes = pgTable(`notes${suffix}`, {
    id: pgText("id").primaryKey(),
    title: pgText("title").notNull(),
    ownerId: pgInteger("owner_id"),
  });
  return { users, notes };
}

/** A pg table with a uuid key, for id-type tests. */
export function pgUuidTable(suffix = "") {
  return pgTable(`tokens${suffix}`, { id: uuid("id").primaryKey().defaultRandom(), label: pgText("label").notNull() });
}

export type SqliteSchema = ReturnType<typeof sqliteSchema>;
export type PgSchema = ReturnType<typeof pgSchema>;
