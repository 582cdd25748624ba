/**
 * What `covara dev` remembers between runs, in node_modules/.cache/covara/dev.json (the usual home
 * of tools' caches; deleting it only makes the next start slower):
 * - the packages' files the app loaded, which app processes import before the app (warm-up),
 *   with the state of the project's dependencies they were recorded under: once package.json or
 *   a lockfile changes (a package added or removed), the list is dropped and the next app
 *   process records it afresh, so it never keeps growing with packages the app no longer uses;
 * - per database, the fingerprint of the schema file and of the database's structure right after
 *   a sync left nothing to do. When both still match at the next start, the database is already
 *   in step with the schema, so the app is served at once and drizzle-kit's diff runs afterwards.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Connection } from "../project/database";

export interface DevCache {
  packages?: string[];
  /** `dependenciesKey` when `packages` was recorded. */
  packagesKey?: string;
  /** Database key → fingerprint of (schema file, database structure) after a clean sync. */
  schemas?: Record<string, string>;
}

const cacheFile = (projectDir: string) => join(projectDir, "node_modules/.cache/covara/dev.json");

export function readDevCache(projectDir: string): DevCache {
  try {
    const parsed: unknown = JSON.parse(readFileSync(cacheFile(projectDir), "utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as DevCache) : {};
  } catch {
    return {};
  }
}

/** Best effort: a read-only node_modules only costs the next start its shortcut. */
export function writeDevCache(projectDir: string, cache: DevCache): void {
  try {
    mkdirSync(dirname(cacheFile(projectDir)), { recursive: true });
    writeFileSync(cacheFile(projectDir), `${JSON.stringify(cache)}\n`);
  } catch {
    // not writable: nothing remembered
  }
}

/** The files whose change means the installed packages may have changed. */
const DEPENDENCY_FILES = [
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "yarn.lock",
  "bun.lock",
  "bun.lockb",
  "node_modules/.package-lock.json",
];

/** The most files a preload list keeps: a bound, far above what an app loads (~1,000). */
export const MAX_PRELOAD_FILES = 5_000;

/** The state of the project's dependencies: each dependency file's size and modification time. */
export function dependenciesKey(projectDir: string): string {
  const hash = createHash("sha256");
  for (const file of DEPENDENCY_FILES) {
    try {
      const stat = statSync(join(projectDir, file));
      hash.update(`${file}:${stat.size}:${stat.mtimeMs}\n`);
    } catch {
      hash.update(`${file}:-\n`);
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** A key for a database that does not keep its password. */
export function databaseKey(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 16);
}

/** Everything a schema push looks at, as rows: tables, columns, indexes, constraints, types. */
const STRUCTURE_QUERIES: Record<Connection["dialect"], string[]> = {
  sqlite: ["select type, name, tbl_name, sql from sqlite_master order by type, name"],
  pg: [
    `select table_schema, table_name, column_name, data_type, udt_name, is_nullable, column_default, is_identity, character_maximum_length, numeric_precision
       from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
       order by table_schema, table_name, ordinal_position`,
    `select n.nspname, c.relname, c.relkind, pg_get_constraintdef(k.oid), k.conname
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname not in ('pg_catalog', 'information_schema') order by 1, 2, 5`,
    `select schemaname, tablename, indexname, indexdef from pg_indexes
       where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2, 3`,
    `select n.nspname, t.typname, e.enumlabel, e.enumsortorder from pg_enum e join pg_type t on t.oid = e.enumtypid
       join pg_namespace n on n.oid = t.typnamespace order by 1, 2, 4`,
    `select schemaname, sequencename, data_type, increment_by, min_value, max_value from pg_sequences order by 1, 2`,
    `select table_schema, table_name, view_definition from information_schema.views
       where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
    `select schemaname, tablename, policyname, cmd, qual, with_check from pg_policies order by 1, 2, 3`,
  ],
};

/** The fingerprint of the schema file's text and the database's structure. */
export async function schemaFingerprint(connection: Connection, schemaFile: string): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(schemaFile));
  for (const query of STRUCTURE_QUERIES[connection.dialect])
    hash.update(JSON.stringify(await connection.sql.query(query)));
  return hash.digest("hex");
}
