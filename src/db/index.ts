/** covara/db — create tables from Drizzle schemas without drizzle-kit, detect the dialect, seed rows. */
export { createTablesSql } from "./ddl";
export type { Casing, DdlOptions, SqlDialect } from "./ddl";
export { detectDialect, pushTables, seedTable } from "./push";
export type { DrizzleDatabase } from "./push";
