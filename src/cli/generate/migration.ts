/**
 * `covara generate migration <name>`: the SQL that takes the last migration's schema to the
 * current one, from drizzle-kit's generator (`generateSQLiteMigration` / `generateMigration` over
 * snapshots from `generateSQLiteDrizzleJson` / `generateDrizzleJson`). The schema each migration
 * leaves behind is kept in `<migrations>/meta/covara-snapshot.json` for the next one.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CliError, UsageError } from "../output";
import { importFromProject, importProjectModule } from "../project/load-ts";

interface GeneratorApi {
  generateSQLiteDrizzleJson(imports: Record<string, unknown>): Promise<Record<string, unknown>>;
  generateSQLiteMigration(prev: Record<string, unknown>, cur: Record<string, unknown>): Promise<string[]>;
  generateDrizzleJson(imports: Record<string, unknown>): Record<string, unknown>;
  generateMigration(prev: Record<string, unknown>, cur: Record<string, unknown>): Promise<string[]>;
}

/** Writes the next migration; resolves to its path, or undefined when the schema did not change. */
export async function generateMigration(
  dir: string,
  schemaFile: string,
  migrationsDir: string,
  name: string,
): Promise<string | undefined> {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name))
    throw new UsageError(`"${name}" is not a migration name: use letters, digits, - and _.`, "generate");
  const snapshotFile = join(migrationsDir, "meta", "covara-snapshot.json");
  const existing = existsSync(migrationsDir)
    ? readdirSync(migrationsDir)
        .filter((file) => /^\d{4}_.*\.sql$/.test(file))
        .sort()
    : [];
  if (existing.length > 0 && !existsSync(snapshotFile)) {
    throw new CliError(
      `${relative(dir, migrationsDir)} has migrations but no meta/covara-snapshot.json to diff against.`,
      "Generate migrations with covara from the start, or write this one by hand.",
    );
  }
  const source = readFileSync(schemaFile, "utf8");
  const dialect = source.includes('"drizzle-orm/pg-core"') ? "pg" : "sqlite";
  const [kit, schema] = await Promise.all([
    importFromProject<GeneratorApi>(dir, "drizzle-kit/api", "drizzle-kit"),
    importProjectModule(dir, schemaFile),
  ]);
  const current = dialect === "pg" ? kit.generateDrizzleJson(schema) : await kit.generateSQLiteDrizzleJson(schema);
  const previous = existsSync(snapshotFile)
    ? (JSON.parse(readFileSync(snapshotFile, "utf8")) as Record<string, unknown>)
    : dialect === "pg"
      ? kit.generateDrizzleJson({})
      : await kit.generateSQLiteDrizzleJson({});
  const statements =
    dialect === "pg"
      ? await kit.generateMigration(previous, current)
      : await kit.generateSQLiteMigration(previous, current);
  if (statements.length === 0) return undefined;
  const next = String(existing.length === 0 ? 0 : Number((existing.at(-1) ?? "0").slice(0, 4)) + 1).padStart(4, "0");
  const file = join(migrationsDir, `${next}_${name}.sql`);
  mkdirSync(join(migrationsDir, "meta"), { recursive: true });
  writeFileSync(file, `${statements.map((statement) => statement.trim().replace(/;?$/, ";")).join("\n\n")}\n`);
  writeFileSync(snapshotFile, `${JSON.stringify(current, null, 2)}\n`);
  return file;
}
