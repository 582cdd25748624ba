/**
 * `covara db seed [file]`: the seed file (covara.config.ts `seed`, default `src/seed.ts`) exports a
 * function that receives a Drizzle database for the chosen profile, built over the project's
 * schema; a `.sql` seed file is run as a script instead, in one transaction.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { CliError } from "../output";
import type { ProjectConfig } from "../project/config";
import type { Connection } from "../project/database";
import { importProjectModule } from "../project/load-ts";

type SeedFunction = (db: unknown) => unknown;

function isSeedFunction(value: unknown): value is SeedFunction {
  return typeof value === "function";
}

/** Runs the seed file; resolves to its path relative to the project. */
export async function runSeed(config: ProjectConfig, connection: Connection, file: string): Promise<string> {
  const shown = relative(config.dir, file);
  if (!existsSync(file)) {
    throw new CliError(
      `no seed file at ${shown}.`,
      'Create it with `export default async function seed(db) { await db.insert(todos).values([...]) }`, or point covara.config.ts "seed" (or the command\'s argument) at yours.',
    );
  }
  if (file.endsWith(".sql")) {
    const text = readFileSync(file, "utf8");
    await connection.sql.transaction((tx) => tx.script(text));
    return shown;
  }
  const loaded = await importProjectModule(config.dir, file);
  const seed = loaded.default ?? loaded.seed;
  if (!isSeedFunction(seed))
    throw new CliError(`${shown} must export a function: \`export default async function seed(db) { ... }\`.`);
  await seed(connection.db);
  return shown;
}
