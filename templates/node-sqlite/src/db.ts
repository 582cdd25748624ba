/** The database: SQLite through libsql (a local file by default, or a Turso URL). */
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";

const client = createClient({
  url: process.env.DATABASE_URL ?? "file:./data.db",
  authToken: process.env.DATABASE_AUTH_TOKEN,
});

export const db = drizzle(client);
