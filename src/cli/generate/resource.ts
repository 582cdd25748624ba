/**
 * `covara generate resource <name>`: appends a table to the schema file and its `.resource(...)`
 * line to the app, above the marker comment the templates carry.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { CliError, UsageError } from "../output";

const MARKER = "// `covara generate resource <name>` adds its `.resource(...)` line above this comment.";

export interface ResourceNames {
  /** The TypeScript export: `blogPosts`. */
  variable: string;
  /** The SQL table: `blog_posts`. */
  table: string;
  /** The URL path: `/blog-posts`. */
  path: string;
}

/** `blog-posts`, `blog_posts` and `blogPosts` all name the same resource. */
export function resourceNames(name: string): ResourceNames {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
    throw new UsageError(
      `"${name}" is not a resource name: use letters, digits, - and _, starting with a letter.`,
      "generate",
    );
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
  const variable = words
    .map((word, index) => (index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join("");
  return { variable, table: words.join("_"), path: `/${words.join("-")}` };
}

type SchemaDialect = "sqlite" | "pg";

function tableSource(names: ResourceNames, dialect: SchemaDialect): { code: string; builders: string[] } {
  if (dialect === "pg") {
    return {
      builders: ["pgTable", "serial", "text", "timestamp"],
      code: `export const ${names.variable} = pgTable("${names.table}", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow(),
});
`,
    };
  }
  return {
    builders: ["integer", "sqliteTable", "text"],
    code: `export const ${names.variable} = sqliteTable("${names.table}", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).$defaultFn(() => new Date()),
});
`,
  };
}

/** Adds `names` to the named import from `from`, keeping the list sorted. */
function ensureImports(source: string, from: string, names: string[], file: string): string {
  const pattern = new RegExp(`import \\{([^}]*)\\} from "${from.replace(/[/.]/g, "\\$&")}";`);
  const match = pattern.exec(source);
  if (!match)
    throw new CliError(
      `${file} has no \`import { ... } from "${from}"\` to extend.`,
      "Add the import by hand, or run this in a project made by covara create.",
    );
  const present = (match[1] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const all = [...new Set([...present, ...names])].sort((a, b) => a.localeCompare(b));
  return source.replace(pattern, `import { ${all.join(", ")} } from "${from}";`);
}

/** Writes the table and its registration; returns the files changed (relative to `dir`). */
export function generateResource(dir: string, schemaFile: string, appFile: string, name: string): string[] {
  const names = resourceNames(name);
  const schema = readFileSync(schemaFile, "utf8");
  const dialect: SchemaDialect | undefined = schema.includes('"drizzle-orm/pg-core"')
    ? "pg"
    : schema.includes('"drizzle-orm/sqlite-core"')
      ? "sqlite"
      : undefined;
  if (!dialect)
    throw new CliError(`${relative(dir, schemaFile)} imports neither drizzle-orm/sqlite-core nor drizzle-orm/pg-core.`);
  if (new RegExp(`export const ${names.variable}\\b`).test(schema)) {
    throw new CliError(
      `${relative(dir, schemaFile)} already exports "${names.variable}".`,
      "Pick another name, or register the existing table in the app by hand.",
    );
  }
  const app = readFileSync(appFile, "utf8");
  const markerAt = app.indexOf(MARKER);
  if (markerAt < 0)
    throw new CliError(
      `${relative(dir, appFile)} has no "covara generate resource" marker comment.`,
      `Add the line \`  ${MARKER}\` after the last .resource(...) call.`,
    );

  const table = tableSource(names, dialect);
  const newSchema = `${ensureImports(schema, `drizzle-orm/${dialect === "pg" ? "pg" : "sqlite"}-core`, table.builders, relative(dir, schemaFile)).trimEnd()}\n\n${table.code}`;
  // Reuse the db expression of the first resource (`db`, or `drizzle(env.DB)` on Workers).
  const dbExpression = /\.resource\([^\n]*\bdb(?::\s*([^,}]+?))?\s*[,}]/.exec(app)?.[1] ?? "db";
  const dbPart = dbExpression === "db" ? "db" : `db: ${dbExpression}`;
  const auth = app.includes("const OPEN =") ? ", auth: { public: OPEN }" : "";
  const lineStart = app.lastIndexOf("\n", markerAt) + 1;
  const indent = app.slice(lineStart, markerAt);
  const registration = `${indent}.resource("${names.path}", ${names.variable}, { id: ${names.variable}.id, ${dbPart}${auth} })\n`;
  let newApp = app.slice(0, lineStart) + registration + app.slice(lineStart);
  newApp = ensureImports(newApp, "./schema", [names.variable], relative(dir, appFile));
  writeFileSync(schemaFile, newSchema);
  writeFileSync(appFile, newApp);
  return [relative(dir, schemaFile), relative(dir, appFile)];
}
