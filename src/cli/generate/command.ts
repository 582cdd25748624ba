/** `covara generate resource|migration <name>`. */
import { relative } from "node:path";
import { parseCommandArgs } from "../args";
import { paint, UsageError, type CliIO } from "../output";
import { loadProjectConfig } from "../project/config";
import { generateMigration } from "./migration";
import { generateResource } from "./resource";

export const GENERATE_HELP = `Usage: covara generate resource <name>
       covara generate migration <name>

resource   Adds a table <name> (id, name, createdAt) to the schema file and registers it in
           the app with .resource("/<name>", ...), open to everyone like the starter table.
           covara dev, if running, creates the table and serves it at once.
migration  Writes <migrations>/NNNN_<name>.sql: the SQL from the schema of the previous
           migration to the current schema (drizzle-kit's generator), and keeps the schema it
           leaves in <migrations>/meta/covara-snapshot.json for the next one.

Paths come from covara.config.ts (schema, app, migrations).

Examples:
  covara generate resource posts
  covara generate resource blog-posts      # table blog_posts, export blogPosts, path /blog-posts
  covara generate migration add-posts
`;

export async function generateCommand(argv: string[], io: CliIO, cwd: string): Promise<number> {
  const { positionals } = parseCommandArgs("generate", argv, {});
  const [kind, name, ...extra] = positionals;
  if (kind !== "resource" && kind !== "migration")
    throw new UsageError(
      kind
        ? `unknown kind "${kind}": expected resource or migration`
        : "missing what to generate: resource or migration",
      "generate",
    );
  if (!name) throw new UsageError(`missing the ${kind}'s <name>`, "generate");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, "generate");
  const config = await loadProjectConfig(cwd);
  if (kind === "resource") {
    const changed = generateResource(cwd, config.schema, config.app, name);
    for (const file of changed) io.stdout(`  ${paint(io, "green", "~")} ${file}\n`);
    io.stdout(`Resource "${name}" added. covara dev applies it as soon as it sees the change.\n`);
    return 0;
  }
  const file = await generateMigration(cwd, config.schema, config.migrations, name);
  if (!file) {
    io.stdout("The schema has not changed since the last migration: nothing to write.\n");
    return 0;
  }
  io.stdout(`  ${paint(io, "green", "+")} ${relative(cwd, file)}\n`);
  return 0;
}
