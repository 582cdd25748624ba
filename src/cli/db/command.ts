/** `covara db <subcommand>`: the database of a profile, its schema, migrations, seed data and rows. */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseCommandArgs } from "../args";
import { CliError, paint, UsageError, type CliIO } from "../output";
import { loadDotEnv, loadProjectConfig, resolveDatabase } from "../project/config";
import { absoluteFileUrl, connect, redact, type Connection } from "../project/database";
import { planSchemaPush } from "../dev/schema-sync";
import { describeApplied, describeRefusal } from "../dev/sync-report";
import { exportTable, fileSink, stdoutSink } from "./export";
import { formatOf, importTable } from "./import";
import { applyMigrations } from "./migrations";
import { runSeed } from "./seed";
import { printStatus } from "./status";
import { generateClientTypes } from "./types";

export const DB_HELP = `Usage: covara db <subcommand> [options]

Subcommands:
  push                    Bring the database to the schema (drizzle-kit push). Changes that could
                          lose data are shown and refused unless --accept-data-loss.
  migrate                 Apply the pending <migrations>/NNNN_*.sql files in order, each in its own
                          transaction, recorded in the covara_migrations table.
  status                  The database in use, applied and pending migrations, schema drift.
  seed [file]             Run the seed file (covara.config.ts "seed", default src/seed.ts): its
                          default export gets a Drizzle database; a .sql seed runs as a script.
  export <table>          Write a table as JSON (one row per line) or CSV, streaming.
  import <table> <file>   Insert rows from a .json/.jsonl or .csv file in one transaction.
  run <file.sql>          Run a SQL script in one transaction.
  types                   Write the client types (covara.config.ts "clientTypes") from the app.

Options:
  --profile <name>        Database profile from covara.config.ts (default COVARA_DB_PROFILE,
                          else DATABASE_URL, else the config's default profile)
  --accept-data-loss      push: apply destructive changes too
  --format json|csv       export/import: the format (default: from the file's extension; export
                          to stdout defaults to json)
  -o, --out <file>        export: write to a file instead of stdout; types: where to write
  --no-transaction        run: for a script that manages its own transactions
  -h, --help              Show this help

Exit codes: 0 ok, 1 error (the message says how to fix it), 2 wrong usage.

Examples:
  covara db status
  covara db push --profile staging
  COVARA_DB_PROFILE=turso covara db migrate
  covara db seed
  covara db export todos --format csv -o todos.csv
  covara db import todos todos.csv
  covara db run scripts/backfill.sql
  covara db types
`;

const SUBCOMMANDS = ["push", "migrate", "status", "seed", "export", "import", "run", "types"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function isSubcommand(value: string | undefined): value is Subcommand {
  return SUBCOMMANDS.some((name) => name === value);
}

/** The positional arguments each subcommand takes: [required, optional]. */
const ARITY: Record<Subcommand, [number, number]> = {
  push: [0, 0],
  migrate: [0, 0],
  status: [0, 0],
  seed: [0, 1],
  export: [1, 0],
  import: [2, 0],
  run: [1, 0],
  types: [0, 0],
};
const ARGUMENT_NAMES: Record<Subcommand, string> = {
  push: "",
  migrate: "",
  status: "",
  seed: "[file]",
  export: "<table>",
  import: "<table> <file>",
  run: "<file.sql>",
  types: "",
};

export interface DbDependencies {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export async function dbCommand(argv: string[], io: CliIO, deps: DbDependencies): Promise<number> {
  const { values, positionals } = parseCommandArgs("db", argv, {
    profile: { type: "string" },
    "accept-data-loss": { type: "boolean" },
    format: { type: "string" },
    out: { type: "string", short: "o" },
    "no-transaction": { type: "boolean" },
  });
  const [subcommand, ...args] = positionals;
  if (!isSubcommand(subcommand)) {
    throw new UsageError(
      subcommand
        ? `unknown subcommand "${subcommand}": expected one of ${SUBCOMMANDS.join(", ")}`
        : `missing the subcommand: one of ${SUBCOMMANDS.join(", ")}`,
      "db",
    );
  }
  const [required, optional] = ARITY[subcommand];
  if (args.length < required || args.length > required + optional) {
    throw new UsageError(
      `covara db ${subcommand} takes ${ARGUMENT_NAMES[subcommand] || "no arguments"}, got ${args.length === 0 ? "none" : args.join(" ")}`,
      "db",
    );
  }
  if (values.format !== undefined && values.format !== "json" && values.format !== "csv")
    throw new UsageError(`--format must be json or csv, got "${values.format}"`, "db");

  loadDotEnv(deps.cwd);
  const config = await loadProjectConfig(deps.cwd);
  const database = resolveDatabase(config, values.profile, deps.env);
  const say = (text: string) => io.stdout(`${text}\n`);
  const fromCwd = (file: string) => resolve(deps.cwd, file);

  if (subcommand === "types") {
    const target = values.out ? fromCwd(values.out) : config.clientTypes;
    if (!target)
      throw new CliError(
        "nowhere to write the client types.",
        'Set "clientTypes" in covara.config.ts (for example "src/covara-types.d.ts") or pass --out <file>.',
      );
    const env = {
      ...deps.env,
      DATABASE_URL: absoluteFileUrl(database.url, deps.cwd),
      ...(database.authToken ? { DATABASE_AUTH_TOKEN: database.authToken } : {}),
    };
    const changed = await generateClientTypes(deps.cwd, config.app, env, target);
    say(`client types ${changed ? "written to" : "unchanged in"} ${relative(deps.cwd, target)}`);
    return 0;
  }

  const connection = await connect(deps.cwd, database);
  try {
    switch (subcommand) {
      case "status":
        await printStatus(io, config, connection, database);
        return 0;
      case "push":
        return await push(io, connection, config.dir, config.schema, values["accept-data-loss"] === true);
      case "migrate": {
        const applied = await applyMigrations(connection.sql, config.migrations, (file) =>
          io.stdout(`  ${paint(io, "green", "+")} ${file}\n`),
        );
        say(
          applied.length === 0
            ? "No pending migrations: the database is up to date."
            : `Applied ${applied.length} migration(s) to ${database.name}.`,
        );
        return 0;
      }
      case "seed": {
        const file = await runSeed(config, connection, args[0] ? fromCwd(args[0]) : config.seed);
        say(`Seeded ${database.name} from ${file}.`);
        return 0;
      }
      case "run": {
        const file = fromCwd(args[0] ?? "");
        if (!existsSync(file))
          throw new CliError(`no file ${args[0]}.`, "Give the path of a .sql file, relative to where you run covara.");
        const text = readFileSync(file, "utf8");
        try {
          await (values["no-transaction"]
            ? connection.sql.script(text)
            : connection.sql.transaction((tx) => tx.script(text)));
        } catch (error) {
          const undone = values["no-transaction"]
            ? "Statements before the failing one stay applied."
            : "Nothing of it was applied (one transaction).";
          throw new CliError(
            `${args[0]} failed: ${error instanceof Error ? error.message : String(error)}`,
            `${undone} Fix the SQL and run it again.`,
          );
        }
        say(`Ran ${args[0]} on ${database.name} (${redact(database.url)}).`);
        return 0;
      }
      case "export": {
        const table = args[0] ?? "";
        const format =
          values.format === "csv" || values.format === "json"
            ? values.format
            : values.out
              ? formatOf(values.out, undefined)
              : "json";
        const sink = values.out ? fileSink(fromCwd(values.out)) : stdoutSink(io);
        const rows = await exportTable(io, connection.sql, table, format, sink);
        if (values.out) say(`Exported ${rows} row(s) of ${table} to ${values.out}.`);
        return 0;
      }
      case "import": {
        const [table = "", file = ""] = args;
        const rows = await importTable(io, connection.sql, table, fromCwd(file), formatOf(file, values.format));
        say(`Imported ${rows} row(s) into ${table}.`);
        return 0;
      }
    }
  } finally {
    await connection.close();
  }
}

async function push(
  io: CliIO,
  connection: Connection,
  dir: string,
  schema: string,
  acceptDataLoss: boolean,
): Promise<number> {
  const plan = await planSchemaPush(dir, schema, connection);
  if (plan.additive.length === 0 && plan.destructive.length === 0) {
    io.stdout("The database already matches the schema: nothing to push.\n");
    return 0;
  }
  if (plan.destructive.length > 0 && !acceptDataLoss) {
    io.stderr(describeRefusal(io, plan, 'run "covara db push --accept-data-loss" to apply it anyway'));
    return 1;
  }
  await plan.apply();
  io.stdout(
    `Schema pushed${plan.destructive.length ? " (data loss accepted)" : ""}:\n${describeApplied(io, [...plan.additive, ...plan.destructive])}`,
  );
  return 0;
}
