/** The database: PostgreSQL through postgres-js, at DATABASE_URL. */
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is not set: copy .env.example to .env and point it at your PostgreSQL");

export const db = drizzle(postgres(url));
