/** The benchmarks' users table and page size, in a module of their own so a Worker can import them without better-sqlite3. */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  age: integer("age"),
  role: text("role").notNull().default("user"),
  createdAt: integer("created_at"),
});

export const LIMIT = 20;
