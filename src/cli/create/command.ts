/** `covara create <dir>`: scaffolds a project from templates/ and installs its dependencies. */
import { existsSync, readdirSync } from "node:fs";
import { relative } from "node:path";
import { parseCommandArgs } from "../args";
import { covaraPackageJson } from "../package-root";
import { CliError, paint, UsageError, type CliIO } from "../output";
import { installDependencies } from "./install";
import {
  DATABASES,
  detectPackageManager,
  FRONTENDS,
  oneOf,
  PACKAGE_MANAGERS,
  projectTarget,
  TEMPLATES,
  type CreateOptions,
} from "./options";
import { terminalAsker, type Asker } from "./prompt";
import { packageManagerCommands, scaffold } from "./scaffold";

export const CREATE_HELP = `Usage: covara create <dir> [options]

Scaffold a new covara project in <dir> (created if missing; must be empty unless --force).

Options:
  --template <node|cloudflare>         Runtime: Node (default) or Cloudflare Workers + D1
  --db <sqlite|postgres>               Database for the node template (default sqlite, via libsql)
  --frontend <react>                   Add a live React SPA served by the same server (node only)
  --package-manager <npm|pnpm|yarn|bun>
                                       Default: the one running covara (npm_config_user_agent), else npm
  --no-install                         Write the files only; do not install dependencies
  --force                              Write into a non-empty directory (existing files are overwritten)
  --covara-version <spec>              Version range or file:/URL spec of covara to depend on
  -h, --help                           Show this help

Without --template, --db or --frontend on a terminal, covara create asks for them.

Examples:
  npx covara create my-app
  npx covara create my-app --frontend react
  npx covara create my-app --db postgres --package-manager pnpm
  npx covara create my-api --template cloudflare --no-install
`;

export interface CreateDependencies {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Asks the interactive questions; absent when not on a terminal. */
  asker?: () => Asker;
  install?: typeof installDependencies;
}

/** Resolves flags (and, on a terminal without choice flags, answers) into create options. */
export async function resolveCreateOptions(
  argv: string[],
  io: CliIO,
  deps: CreateDependencies,
): Promise<CreateOptions> {
  const { values, positionals } = parseCommandArgs("create", argv, {
    template: { type: "string" },
    db: { type: "string" },
    frontend: { type: "string" },
    "package-manager": { type: "string" },
    "no-install": { type: "boolean" },
    install: { type: "boolean" },
    force: { type: "boolean" },
    "covara-version": { type: "string" },
  });
  if (positionals.length === 0) throw new UsageError("missing <dir>: where should the project go?", "create");
  if (positionals.length > 1) throw new UsageError(`one <dir> expected, got ${positionals.join(" ")}`, "create");
  const { dir, name } = projectTarget(positionals[0] ?? "", deps.cwd);

  let template = values.template === undefined ? undefined : oneOf("template", values.template, TEMPLATES);
  let db = values.db === undefined ? undefined : oneOf("db", values.db, DATABASES);
  let frontend = values.frontend === undefined ? undefined : oneOf("frontend", values.frontend, FRONTENDS);
  const choseNothing = template === undefined && db === undefined && frontend === undefined;
  if (choseNothing && io.interactive && deps.asker) {
    const asker = deps.asker();
    try {
      template = await asker.choose("Runtime?", TEMPLATES);
      if (template === "node") {
        db = await asker.choose("Database?", DATABASES);
        frontend = await asker.choose("Frontend?", FRONTENDS);
      }
    } finally {
      asker.close();
    }
  }
  template ??= "node";
  db ??= "sqlite";
  frontend ??= "none";
  if (template === "cloudflare" && db !== "sqlite")
    throw new UsageError("--template cloudflare uses D1 (SQLite); drop --db postgres.", "create");
  if (template === "cloudflare" && frontend !== "none")
    throw new UsageError("--frontend react needs --template node (the SPA is served by the Node server).", "create");

  const packageManager =
    values["package-manager"] === undefined
      ? detectPackageManager(deps.env.npm_config_user_agent)
      : oneOf("package-manager", values["package-manager"], PACKAGE_MANAGERS);
  return {
    dir,
    name,
    template,
    db,
    frontend,
    packageManager,
    install: values["no-install"] !== true && values.install !== false,
    force: values.force === true,
    covaraSpec: values["covara-version"] ?? `^${covaraPackageJson().version}`,
  };
}

/** Runs `covara create`. */
export async function createCommand(argv: string[], io: CliIO, deps: CreateDependencies): Promise<number> {
  const options = await resolveCreateOptions(argv, io, deps);
  if (existsSync(options.dir) && readdirSync(options.dir).length > 0 && !options.force) {
    throw new CliError(
      `${options.dir} is not empty.`,
      "Pick a new folder name, empty this one, or pass --force to write into it anyway.",
    );
  }
  const where = relative(deps.cwd, options.dir) || ".";
  io.stdout(`Creating ${paint(io, "bold", options.name)} in ${where} (${describe(options)})\n`);
  const files = scaffold(options);
  for (const file of files) io.stdout(`  ${paint(io, "green", "+")} ${file}\n`);

  const commands = packageManagerCommands(options.packageManager);
  const steps = [...(where === "." ? [] : [`cd ${where}`])];
  if (options.install) {
    io.stdout(`\nInstalling dependencies with ${options.packageManager} (this can take a minute)...\n`);
    const code = await (deps.install ?? installDependencies)(options.dir, options.packageManager);
    if (code !== 0) {
      const why =
        code === 127
          ? `${options.packageManager} was not found on PATH`
          : `${options.packageManager} install exited with code ${code}`;
      throw new CliError(
        `the project was written, but installing its dependencies failed: ${why}.`,
        `Run "${commands.install}" in ${where} yourself.`,
      );
    }
  } else {
    steps.push(commands.install);
  }
  steps.push(options.template === "cloudflare" ? `${commands.run} dev    # wrangler dev` : `${commands.run} dev`);
  io.stdout(`\n${paint(io, "green", "Done.")} Next:\n${steps.map((step) => `  ${step}\n`).join("")}`);
  return 0;
}

function describe(options: CreateOptions): string {
  if (options.template === "cloudflare") return "Cloudflare Workers + D1";
  return `Node + ${options.db === "postgres" ? "PostgreSQL" : "SQLite"}${options.frontend === "react" ? " + React" : ""}`;
}

/** The interactive asker when on a terminal. */
export const defaultAsker = (io: CliIO) => (): Asker => terminalAsker(io);
