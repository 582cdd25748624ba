/**
 * migrateInternal: creates covara's auth tables. Three modes — no schema: the canonical DDL
 * (indexes and compound primary keys included); `managedExternally`: nothing; a schema: CREATE
 * TABLE IF NOT EXISTS generated from the overridden Drizzle tables (single-primary-key tables only,
 * no indexes) plus the canonical DDL of the tables left built-in.
 */
import { sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { createTablesSql } from "./ddl";
import type { Dialect } from "../kernel/dialect";
import { canonicalInternalDdl } from "./internal-ddl";
import { type AnyResolvedInternalTable, type InternalSchema, InternalSchemaError } from "./internal-schema";
import { detectDialect, type DrizzleDatabase } from "./push";

export interface MigrateInternalOptions {
  /** A bundle from defineInternalSchema; without it the built-in tables are created. */
  schema?: InternalSchema;
  /** The database's dialect; detected from `db` when omitted. */
  dialect?: Dialect;
}

/** What migrateInternal did: the statements it ran (empty for a managed-externally schema). */
export interface MigrateInternalResult {
  mode: "canonical" | "managed-externally" | "generated";
  statements: string[];
}

/** Creates the auth tables that do not exist yet (idempotent); never alters existing tables. */
export async function migrateInternal(
  db: DrizzleDatabase,
  options: MigrateInternalOptions = {},
): Promise<MigrateInternalResult> {
  const named = options.dialect === undefined ? detectDialect(db) : undefined;
  const statements = internalMigrationStatements(options.schema, options.dialect ?? named!);
  if (statements.mode === "managed-externally") return statements;
  // The statements follow the named dialect; how they run follows the driver (detected once).
  const detected = named ?? detectDialect(db);
  for (const statement of statements.statements) {
    if (detected === "pg") await (db as PgDatabase<never>).execute(sql.raw(statement));
    else await (db as BaseSQLiteDatabase<"sync", unknown>).run(sql.raw(statement));
  }
  return statements;
}

/** The statements migrateInternal would run, without running them (throws the same errors). */
export function internalMigrationStatements(
  schema: InternalSchema | undefined,
  dialect: Dialect,
): MigrateInternalResult {
  if (schema === undefined) return { mode: "canonical", statements: [...canonicalInternalDdl(dialect)] };
  if (schema.managedExternally) return { mode: "managed-externally", statements: [] };
  if (schema.dialect !== dialect) {
    throw new InternalSchemaError(
      `migrateInternal: the schema is for "${schema.dialect}" but the database is "${dialect}"`,
    );
  }
  const tables: AnyResolvedInternalTable[] = [
    schema.sessions,
    schema.accounts,
    schema.apiKeys,
    schema.verificationTokens,
  ];
  const overridden = tables.filter((table) => table.overridden);
  for (const table of overridden) {
    if (table.compoundPrimaryKey) {
      throw new InternalSchemaError(
        `migrateInternal: "${table.name}" (internalSchema.${table.kind}) has a compound primary key, which generated DDL does not cover; ` +
          `create it with your own migration tool (e.g. drizzle-kit) and pass managedExternally: true`,
      );
    }
  }
  const generated = createTablesSql(
    overridden.map((table) => table.table),
    dialect,
  ).filter((statement) => !/^CREATE (UNIQUE )?INDEX /.test(statement));
  const builtIn = new Set(tables.filter((table) => !table.overridden).map((table) => table.name));
  // The canonical statements of the tables left built-in: each statement names its table in quotes.
  const canonical = canonicalInternalDdl(dialect).filter((statement) => {
    const target = /(?:TABLE IF NOT EXISTS|ON) "([^"]+)"/.exec(statement)?.[1];
    return target !== undefined && builtIn.has(target);
  });
  return { mode: "generated", statements: [...generated, ...canonical] };
}
