/**
 * `covara db migrate` and the migrations part of `status`: the SQL files `covara generate
 * migration` writes (`NNNN_<name>.sql`), applied in order, each in its own transaction together
 * with its row in `covara_migrations`, so a failing file leaves neither half a change nor a record.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../output";
import { placeholder, type SqlClient } from "../project/sql-client";

export const MIGRATIONS_TABLE = "covara_migrations";

export interface MigrationState {
  applied: string[];
  pending: string[];
}

/** The migration files in `dir`, in the order they apply. */
export function migrationFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => /^\d{4}_.*\.sql$/.test(file))
        .sort()
    : [];
}

async function ensureTable(sql: SqlClient): Promise<void> {
  const appliedAt =
    sql.dialect === "pg"
      ? "timestamptz not null default now()"
      : "text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
  await sql.query(`create table if not exists ${MIGRATIONS_TABLE} (name text primary key, applied_at ${appliedAt})`);
}

/** Which files have run and which have not (read only: a database never migrated has applied none). */
export async function migrationState(sql: SqlClient, dir: string): Promise<MigrationState> {
  const rows = await sql.query(`select name from ${MIGRATIONS_TABLE} order by name`).catch(() => []);
  const applied = rows.map((row) => String(row.name));
  const pending = migrationFiles(dir).filter((file) => !applied.includes(file));
  return { applied, pending };
}

/** Applies the pending files in order; calls `onApplied` after each. Resolves to their names. */
export async function applyMigrations(
  sql: SqlClient,
  dir: string,
  onApplied: (file: string) => void,
): Promise<string[]> {
  await ensureTable(sql);
  const { pending } = await migrationState(sql, dir);
  for (const file of pending) {
    const text = readFileSync(join(dir, file), "utf8");
    try {
      await sql.transaction(async (tx) => {
        await tx.script(text);
        await tx.query(`insert into ${MIGRATIONS_TABLE} (name) values (${placeholder(tx.dialect, 1)})`, [file]);
      });
    } catch (error) {
      throw new CliError(
        `migration ${file} failed: ${error instanceof Error ? error.message : String(error)}`,
        `Nothing of ${file} was applied. Fix its SQL (or the database) and run "covara db migrate" again.`,
      );
    }
    onApplied(file);
  }
  return pending;
}
