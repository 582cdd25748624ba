/** `covara db status`: which database, whether it answers, its migrations, and its distance from the schema. */
import { relative } from "node:path";
import { paint, type CliIO } from "../output";
import type { ProjectConfig } from "../project/config";
import { redact, type Connection } from "../project/database";
import { planSchemaPush } from "../dev/schema-sync";
import { migrationFiles, migrationState } from "./migrations";

export async function printStatus(
  io: CliIO,
  config: ProjectConfig,
  connection: Connection,
  database: { name: string; url: string },
): Promise<void> {
  const line = (label: string, text: string) => io.stdout(`${paint(io, "bold", label.padEnd(11))}${text}\n`);
  line(
    "database",
    `${database.name} (${connection.dialect === "pg" ? "PostgreSQL" : "SQLite/libsql"}) ${redact(database.url)}: reachable`,
  );
  const folder = relative(config.dir, config.migrations) || ".";
  if (migrationFiles(config.migrations).length === 0) {
    line("migrations", `none in ${folder}/ ("covara generate migration <name>" writes them)`);
  } else {
    const { applied, pending } = await migrationState(connection.sql, config.migrations);
    const waiting =
      pending.length === 0
        ? "none pending"
        : `${paint(io, "yellow", `${pending.length} pending`)}: ${pending.join(", ")} (covara db migrate)`;
    line("migrations", `${applied.length} applied, ${waiting}`);
  }
  try {
    const plan = await planSchemaPush(config.dir, config.schema, connection);
    const changes = [...plan.additive, ...plan.destructive];
    const schema = relative(config.dir, config.schema);
    if (changes.length === 0) line("schema", `the database matches ${schema}`);
    else
      line(
        "schema",
        `${paint(io, "yellow", `${changes.length} change(s)`)} between ${schema} and the database${plan.destructive.length ? ", some could lose data" : ""} (covara db push)`,
      );
  } catch (error) {
    line("schema", `not compared: ${error instanceof Error ? error.message : String(error)}`);
  }
}
