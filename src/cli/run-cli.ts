/** `runCli`: argument dispatch, help and version for the `covara` command line. */
import { createCommand, CREATE_HELP, defaultAsker } from "./create/command";
import { DB_HELP, dbCommand } from "./db/command";
import { DEV_HELP, devCommand } from "./dev/command";
import { GENERATE_HELP, generateCommand } from "./generate/command";
import { CliError, paint, processIO, type CliIO } from "./output";
import { covaraPackageJson } from "./package-root";

export type { CliIO } from "./output";

interface CommandInfo {
  name: string;
  summary: string;
  /** The full `--help` text, with examples. */
  help: string;
  run: (argv: string[], io: CliIO) => Promise<number>;
}

/** Commands still to come: listed so `covara --help` shows the whole surface. */
interface PlannedCommand {
  name: string;
  args: string;
  summary: string;
}

const COMMANDS: readonly CommandInfo[] = [
  {
    name: "create",
    summary: "Scaffold a new covara project (Node or Workers, SQLite or Postgres)",
    help: CREATE_HELP,
    run: (argv, io) => createCommand(argv, io, { cwd: process.cwd(), env: process.env, asker: defaultAsker(io) }),
  },
  {
    name: "generate",
    summary: "Generate a resource (table + registration) or a SQL migration from the schema diff",
    help: GENERATE_HELP,
    run: (argv, io) => generateCommand(argv, io, process.cwd()),
  },
  {
    name: "dev",
    summary: "Run the server; sync the database with the schema and regenerate the client on change",
    help: DEV_HELP,
    run: (argv, io) => devCommand(argv, io, { cwd: process.cwd(), env: process.env }),
  },
  {
    name: "db",
    summary: "Database profiles: push, migrate, status, seed, import/export, run SQL, client types",
    help: DB_HELP,
    run: (argv, io) => dbCommand(argv, io, { cwd: process.cwd(), env: process.env }),
  },
];

const PLANNED: readonly PlannedCommand[] = [];

/** Runs the CLI with `argv` (without node and script path) and resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.stdout(usage());
    return 0;
  }
  if (first === "--version" || first === "-v") {
    io.stdout(`${covaraPackageJson().version}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === first);
  const planned = PLANNED.find((candidate) => candidate.name === first);
  if (!command && !planned) {
    const what = first.startsWith("-") ? "option" : "command";
    io.stderr(`covara: unknown ${what} "${first}"\nRun "covara --help" to see the commands.\n`);
    return 2;
  }
  if (!command) {
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(
        `Usage: covara ${planned?.name} ${planned?.args}`.trimEnd() + `\n\n${planned?.summary} (coming soon)\n`,
      );
      return 0;
    }
    io.stderr(`covara ${first}: coming soon; this command is not implemented yet.\n`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(command.name, error, io);
  }
}

/** Prints an error as `covara <command>: message` with its fix, and returns its exit code. */
function reportError(command: string, error: unknown, io: CliIO): number {
  if (error instanceof CliError) {
    io.stderr(`${paint(io, "red", `covara ${command}:`)} ${error.message}\n${error.hint ? `  ${error.hint}\n` : ""}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`${paint(io, "red", `covara ${command}: unexpected error`)}\n${message}\n`);
  return 1;
}

function usage(): string {
  const all = [
    ...COMMANDS.map((c) => ({ name: c.name, summary: c.summary })),
    ...PLANNED.map((c) => ({ name: c.name, summary: `${c.summary} (coming soon)` })),
  ];
  const width = Math.max(...all.map((command) => command.name.length));
  return [
    `covara ${covaraPackageJson().version}`,
    "",
    "Usage: covara <command> [options]",
    "",
    "Commands:",
    ...all.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Options:",
    "  -h, --help     Show this help (covara <command> --help for a command's options)",
    "  -v, --version  Print the version",
    "",
    "Exit codes: 0 ok, 1 error, 2 wrong usage. Colours only on a terminal, never with NO_COLOR.",
    "",
  ].join("\n");
}
