/**
 * The driver bench's data: the list benchmark's users table on libsql (a copy of the seeded
 * SQLite file) and on the real PostgreSQL (the same 10,000 rows copied into a schema of their
 * own, dropped after the run), and how each server process opens its database.
 */
import { createClient } from "@libsql/client";
import Database from "better-sqlite3";
import { bigint, integer, pgTable, serial, text } from "drizzle-orm/pg-core";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { users as sqliteUsers } from "./shared";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export const pgUsers = pgTable("users", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  age: integer("age"),
  role: text("role").notNull().default("user"),
  createdAt: bigint("created_at", { mode: "number" }),
});

export type DriverUnderTest = "libsql" | "postgres-js";

/** A server's target: `libsql:<sqlite file>` or `postgres-js:<schema>`. */
export function parseTarget(target: string): { driver: DriverUnderTest; where: string } {
  const [driver, ...rest] = target.split(":");
  if (driver !== "libsql" && driver !== "postgres-js") throw new Error(`unknown driver in ${target}`);
  return { driver, where: rest.join(":") };
}

/** The driver's Drizzle database and its users table. */
export function openTarget(target: string) {
  const { driver, where } = parseTarget(target);
  if (driver === "libsql") {
    return { db: drizzleLibsql(createClient({ url: `file:${where}` })), users: sqliteUsers };
  }
  // A pool as a service would size it; both variants get the same.
  const client = postgres(DATABASE_URL, { max: 8, onnotice: () => {}, connection: { search_path: where } });
  return { db: drizzlePostgres(client), users: pgUsers };
}

/** Copies the seeded SQLite rows into a fresh schema on PostgreSQL; returns a function that drops it. */
export async function seedPostgres(sqliteFile: string, schema: string): Promise<() => Promise<void>> {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const source = new Database(sqliteFile, { readonly: true });
  const rows = source.prepare("select id, name, email, age, role, created_at from users order by id").all() as Record<
    string,
    unknown
  >[];
  source.close();
  await admin.unsafe(`create schema "${schema}"`);
  await admin.unsafe(
    `create table "${schema}".users (id serial primary key, name text not null, email text not null, age integer, role text not null default 'user', created_at bigint)`,
  );
  for (let i = 0; i < rows.length; i += 1000) {
    await admin`insert into ${admin(schema)}.users ${admin(rows.slice(i, i + 1000), "id", "name", "email", "age", "role", "created_at")}`;
  }
  await admin.unsafe(
    `select setval(pg_get_serial_sequence('"${schema}".users', 'id'), (select max(id) from "${schema}".users)); analyze "${schema}".users`,
  );
  return async () => {
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    await admin.end({ timeout: 2 });
  };
}
