/** `runCli`: argument dispatch, help and version for the `covara` command line. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

interface CommandInfo {
  name: string;
  args: string;
  summary: string;
  /** Runs the command; absent while the command is still to come. */
  run?: (argv: string[], io: CliIO) => Promise<number>;
}

const COMMANDS: readonly CommandInfo[] = [
  { name: "create", args: "<dir>", summary: "Scaffold a new covara project (Node or Workers, SQLite or Postgres)" },
  { name: "generate", args: "resource|migration <name>", summary: "Generate a resource or a migration" },
  { name: "dev", args: "", summary: "Watch the schema, sync the database, regenerate the client, run the server" },
  { name: "db", args: "push|migrate|studio|...", summary: "Database profiles and migrations" },
];

const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Runs the CLI with `argv` (without node and script path) and resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.stdout(usage());
    return 0;
  }
  if (first === "--version" || first === "-v") {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === first);
  if (!command) {
    const what = first.startsWith("-") ? "option" : "command";
    io.stderr(`covara: unknown ${what} "${first}"\nRun "covara --help" to see the commands.\n`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(commandUsage(command));
    return 0;
  }
  if (!command.run) {
    io.stderr(`covara ${command.name}: coming soon; this command is not implemented yet.\n`);
    return 1;
  }
  return command.run(rest, io);
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => {
    const soon = command.run ? "" : " (coming soon)";
    return `  ${command.name.padEnd(width)}  ${command.summary}${soon}`;
  });
  return [
    `covara ${packageVersion()}`,
    "",
    "Usage: covara <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     Show this help",
    "  -v, --version  Print the version",
    "",
  ].join("\n");
}

function commandUsage(command: CommandInfo): string {
  const soon = command.run ? "" : " (coming soon)";
  return `Usage: covara ${command.name} ${command.args}`.trimEnd() + `\n\n${command.summary}${soon}\n`;
}

let cachedVersion: string | undefined;

/** The version in covara's own package.json, found by walking up from this file (src or dist). */
function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "covara" && typeof pkg.version === "string") {
        cachedVersion = pkg.version;
        return cachedVersion;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("covara: cannot find covara's package.json");
    dir = parent;
  }
}
