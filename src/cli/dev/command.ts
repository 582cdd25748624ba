/**
 * `covara dev`: serves the app, keeps the database in step with the schema, regenerates the
 * client types, and restarts the app on source changes without dropping requests.
 */
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, relative, sep } from "node:path";
import { parseCommandArgs } from "../args";
import { CliError, paint, UsageError, type CliIO } from "../output";
import { loadDotEnv, loadProjectConfig, resolveDatabase, type ProjectConfig } from "../project/config";
import { writeClientTypes } from "../project/client-types";
import { absoluteFileUrl, connect, redact, type Connection } from "../project/database";
import { AppStartError, spawnRunner, type AppProcess, type Runner } from "./app-process";
import { startProxy, type DevProxy } from "./proxy";
import { loadDrizzleKit, planSchemaPush } from "./schema-sync";
import { describeApplied, describeRefusal } from "./sync-report";
import {
  databaseKey,
  dependenciesKey,
  type DevCache,
  MAX_PRELOAD_FILES,
  readDevCache,
  schemaFingerprint,
  writeDevCache,
} from "./dev-cache";
import { startTypecheck } from "./typecheck";
import { watchSources } from "./watch";

/** How long after the app exits this process waits for a signal of its own before reporting the exit. */
const SIGNAL_GRACE_MS = 250;

export const DEV_HELP = `Usage: covara dev [options]

Run the app from covara.config.ts and watch the project:
  - a schema change is diffed against the live database (drizzle-kit push): additive changes
    (a table, a nullable or defaulted column, an index) are applied at once; anything that could
    lose data is shown and waits for your confirmation (or --accept-data-loss);
  - the client types (covara.config.ts "clientTypes") are regenerated after every restart;
  - a source change restarts the app; the previous one keeps serving until the new one listens,
    and a syntax error is printed with its location while the old app stays up;
  - file routes (app.fileRoutes) reload in place when their files change, without a restart;
  - tsc --watch reports type errors with file:line:col (unless --no-typecheck).

Options:
  --port <n>            Port to serve on (default PORT, else 3000)
  --host <host>         Interface to listen on (default localhost)
  --profile <name>      Database profile from covara.config.ts (default COVARA_DB_PROFILE,
                        else DATABASE_URL, else the config's default profile)
  --accept-data-loss    Apply destructive schema changes without asking
  --no-typecheck        Do not run tsc --watch beside the server
  -h, --help            Show this help

Examples:
  covara dev
  covara dev --port 4000 --profile staging
  COVARA_DB_PROFILE=turso covara dev
  covara dev --accept-data-loss --no-typecheck     # scripts and CI
`;

export interface DevDependencies {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Resolves when the command should stop (default: SIGINT or SIGTERM). */
  until?: Promise<void>;
}

type SyncOutcome = "unchanged" | "applied" | "refused";

export async function devCommand(argv: string[], io: CliIO, deps: DevDependencies): Promise<number> {
  const { values, positionals } = parseCommandArgs("dev", argv, {
    port: { type: "string" },
    host: { type: "string" },
    profile: { type: "string" },
    "accept-data-loss": { type: "boolean" },
    "no-typecheck": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, "dev");
  const port = Number(values.port ?? deps.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number, got "${values.port}"`, "dev");

  const started = performance.now();
  const say = (text: string) => io.stdout(`${paint(io, "cyan", "[covara]")} ${text}\n`);
  loadDotEnv(deps.cwd);
  const cache = readDevCache(deps.cwd);
  // A preload list recorded under other dependencies is dropped: the app records it afresh.
  const packagesKey = dependenciesKey(deps.cwd);
  if (cache.packagesKey !== packagesKey) Object.assign(cache, { packages: undefined, packagesKey });
  const baseEnv: NodeJS.ProcessEnv = { ...deps.env, NODE_ENV: deps.env.NODE_ENV ?? "development" };
  // The first app process warms up (covara, Hono, Drizzle, the app's packages) while the config is
  // read and the database and port are opened; it learns the database's URL when told to start.
  // The session exists before the runner reports anything: its hot folders arrive once the app loads.
  const firstRunner = spawnRunner(
    deps.cwd,
    baseEnv,
    (text) => io.stdout(text),
    {
      onHotDirs: (dirs) => session.addHotDirs(dirs),
      onPackages: (files) => session.rememberPackages(files),
    },
    cache.packages,
  );
  let config: ProjectConfig;
  let database: ReturnType<typeof resolveDatabase>;
  try {
    config = await loadProjectConfig(deps.cwd);
    database = resolveDatabase(config, values.profile, deps.env);
  } catch (error) {
    firstRunner.discard();
    throw error;
  }
  const databaseEnv: Record<string, string> = {
    DATABASE_URL: absoluteFileUrl(database.url, deps.cwd),
    ...(database.authToken ? { DATABASE_AUTH_TOKEN: database.authToken } : {}),
  };
  // drizzle-kit takes a while to load: when this database was never synced, it is needed before
  // the first start, so start loading now.
  const key = databaseKey(databaseEnv.DATABASE_URL ?? database.url);
  if (!cache.schemas?.[key]) void loadDrizzleKit(deps.cwd).catch(() => {});
  const connection = await connect(deps.cwd, database).catch((error: unknown) => {
    firstRunner.discard();
    throw error;
  });
  const proxy = await startProxy(port, values.host ?? "localhost").catch((error: NodeJS.ErrnoException) => {
    firstRunner.discard();
    void connection.close();
    if (error.code === "EADDRINUSE")
      throw new CliError(`port ${port} is already in use.`, "Stop what is using it, or pass --port <another>.");
    throw error;
  });
  const session = new DevSession(
    io,
    say,
    config,
    connection,
    proxy,
    { ...baseEnv, ...databaseEnv },
    databaseEnv,
    values["accept-data-loss"] === true,
    firstRunner,
    { cache, key },
  );

  // Watch before the first start: an edit made while the app boots is queued, not missed.
  const roots = watchRoots(config);
  const ignoreOutput = (file: string) => file === config.clientTypes;
  const stopWatching = watchSources(deps.cwd, roots, ignoreOutput, (files) => session.onChange(files));
  const stopTypecheck = values["no-typecheck"] ? undefined : startTypecheck(deps.cwd, (text) => io.stdout(text));
  const first = await session.start();
  if (!first) {
    stopWatching();
    stopTypecheck?.();
    await session.close();
    return 1;
  }
  say(
    `${paint(io, "bold", `http://localhost:${proxy.port}`)} ready in ${Math.round(performance.now() - started)} ms (database ${database.name}: ${redact(database.url)})`,
  );
  say(`watching ${roots.join(", ")} (Ctrl+C to stop)`);

  await (deps.until ?? untilSignal());
  stopWatching();
  stopTypecheck?.();
  await session.close();
  return 0;
}

/** The folders to watch: those holding the schema and the app (at least src), plus the config. */
function watchRoots(config: ProjectConfig): string[] {
  const top = (file: string) => relative(config.dir, dirname(file)).split(sep)[0] || ".";
  const roots = new Set([top(config.schema), top(config.app)]);
  return [...roots].map((root) => (root === "." ? "." : root));
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** The running state of `covara dev`: the app process, the queue of reloads. */
class DevSession {
  private current: AppProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Client-type writes, one after the other, off the restart's path. */
  private types: Promise<void> = Promise.resolve();
  private closing = false;
  private pendingSchema = false;
  private schemaBlocked = false;
  /** Folders the running app reloads by itself (file routes): their changes need no restart. */
  private readonly hotDirs = new Set<string>();

  constructor(
    private readonly io: CliIO,
    private readonly say: (text: string) => void,
    private readonly config: ProjectConfig,
    private readonly connection: Connection,
    private readonly proxy: DevProxy,
    /** The environment of runners spawned from now on (database included). */
    private readonly appEnv: NodeJS.ProcessEnv,
    /** What the first runner, spawned before the config was read, learns when told to start. */
    private readonly databaseEnv: Record<string, string>,
    private readonly acceptDataLoss: boolean,
    /** A warmed-up runner waiting for the next (re)start. */
    private reserve: Runner | undefined,
    private readonly remembered: { cache: DevCache; key: string },
  ) {}

  /**
   * The first start, through the queue so that changes made meanwhile wait for it. When the
   * database is as the last clean sync left it and the schema file is unchanged since, the app is
   * served at once and drizzle-kit's diff runs right after (it also warms drizzle-kit for the
   * first schema edit); otherwise the sync comes first, as for any schema change.
   */
  async start(): Promise<boolean> {
    const known = this.remembered.cache.schemas?.[this.remembered.key];
    const inStep =
      known !== undefined &&
      (await schemaFingerprint(this.connection, this.config.schema).catch(() => undefined)) === known;
    const first = this.reload(!inStep);
    this.queue = first.then((served) => (served && inStep ? this.syncInBackground() : undefined));
    return first;
  }

  /** The diff after a fast first start: additive changes are applied, others reported. */
  private async syncInBackground(): Promise<void> {
    try {
      const outcome = await this.syncSchema();
      this.schemaBlocked = outcome === "refused";
    } catch (error) {
      this.io.stderr(
        `${paint(this.io, "red", "schema sync failed:")} ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }

  /** The packages the app loaded: the next runners import them before the app. */
  rememberPackages(files: string[]): void {
    const cache = this.remembered.cache;
    const list = files.slice(0, MAX_PRELOAD_FILES);
    if (
      cache.packages &&
      list.length === cache.packages.length &&
      list.every((file, i) => file === cache.packages?.[i])
    )
      return;
    cache.packages = list;
    writeDevCache(this.config.dir, cache);
  }

  /** Remembers (or forgets) that the database is in step with the schema file. */
  private async rememberSchema(inStep: boolean): Promise<void> {
    const cache = this.remembered.cache;
    const schemas = { ...cache.schemas };
    if (inStep) schemas[this.remembered.key] = await schemaFingerprint(this.connection, this.config.schema);
    else delete schemas[this.remembered.key];
    cache.schemas = schemas;
    writeDevCache(this.config.dir, cache);
  }

  onChange(changed: string[]): void {
    // Editors' and sed's temporary files come and go before the batch is reported.
    const files = changed.filter(
      (file) => existsSync(file) && ![...this.hotDirs].some((dir) => file.startsWith(dir + sep)),
    );
    if (files.length === 0) return;
    const schemaChanged = files.includes(this.config.schema);
    if (schemaChanged) this.pendingSchema = true;
    const names = files.map((file) => relative(this.config.dir, file)).join(", ");
    this.queue = this.queue.then(() => {
      // A refused schema change is retried with every restart, so that no app runs against a
      // database without the columns its schema names.
      const withSchema = this.pendingSchema || this.schemaBlocked;
      this.pendingSchema = false;
      this.say(`${names} changed: ${withSchema ? "syncing the schema and restarting" : "restarting"}`);
      return this.reload(withSchema);
    });
  }

  /**
   * Starts a new app process while the schema syncs; switches traffic to it once both are done.
   * Resolves false when nothing new is serving (a refused schema change, an app that fails).
   */
  async reload(withSchema: boolean): Promise<boolean> {
    const started = performance.now();
    const runner = this.reserve ?? this.spawn();
    this.reserve = undefined;
    // Only the first runner was spawned before the database was known; the others have it already.
    const next = runner.start(this.config.app, this.databaseEnv);
    next.catch(() => {});
    let outcome: SyncOutcome = "unchanged";
    if (withSchema) {
      try {
        outcome = await this.syncSchema();
      } catch (error) {
        this.io.stderr(
          `${paint(this.io, "red", "schema sync failed:")} ${error instanceof Error ? error.message : String(error)}\n`,
        );
        outcome = "refused";
      }
      this.schemaBlocked = outcome === "refused";
    }
    let app: AppProcess;
    try {
      app = await next;
    } catch (error) {
      // Killed by a signal or exiting cleanly while starting: maybe Ctrl+C, which this process got too.
      const quiet = error instanceof AppStartError && (error.exitCode === null || error.exitCode === 0);
      if (quiet && (await this.closingAfterSignal())) return false;
      const output = error instanceof AppStartError ? error.output : String(error);
      this.io.stderr(
        `${paint(this.io, "red", "the app failed to start")}${this.current ? "; the previous version keeps serving" : ""}. Fix the error and save again.\n`,
      );
      if (!output.trim()) this.io.stderr(`${String(error)}\n`);
      this.reserve ??= this.spawn();
      return false;
    }
    if (outcome === "refused" && this.current) {
      // The database still has the old shape: keep the app that matches it.
      await app.stop(0);
      this.reserve ??= this.spawn();
      return false;
    }
    this.proxy.setTarget(app.port);
    const previous = this.current;
    this.current = app;
    void app.exited.then(async (code) => {
      if (this.current === app && !(await this.closingAfterSignal()))
        this.say(`the app exited (code ${code}); waiting for a change to restart it`);
    });
    void previous?.stop();
    // The restart is complete: the new app serves. The client types follow from it.
    if (previous) this.say(`restarted in ${Math.round(performance.now() - started)} ms`);
    // Then the client types, and only after them the next warm runner, so that neither competes
    // with this start for the CPU (nor the runner with the types).
    this.types = this.types
      .then(() => this.writeClientTypes(app))
      .then(() => {
        if (!this.closing) this.reserve ??= this.spawn();
      });
    return outcome !== "refused" || !previous;
  }

  private spawn(): Runner {
    return spawnRunner(
      this.config.dir,
      this.appEnv,
      (text) => this.io.stdout(text),
      { onHotDirs: (dirs) => this.addHotDirs(dirs), onPackages: (files) => this.rememberPackages(files) },
      this.remembered.cache.packages,
    );
  }

  /** Folders the app reloads by itself (file routes): changes there need no restart. */
  addHotDirs(dirs: readonly string[]): void {
    for (const dir of dirs) this.hotDirs.add(dir);
  }

  private async syncSchema(): Promise<SyncOutcome> {
    const plan = await planSchemaPush(this.config.dir, this.config.schema, this.connection);
    if (plan.additive.length === 0 && plan.destructive.length === 0) {
      await this.rememberSchema(true);
      return "unchanged";
    }
    if (plan.destructive.length === 0) {
      await plan.apply();
      this.say(`schema applied:\n${describeApplied(this.io, plan.additive).trimEnd()}`);
      await this.rememberSchema(true);
      return "applied";
    }
    const accepted = this.acceptDataLoss || (await this.confirm(plan));
    if (!accepted) {
      await this.rememberSchema(false);
      this.io.stderr(describeRefusal(this.io, plan, "restart with --accept-data-loss to apply it anyway"));
      return "refused";
    }
    await plan.apply();
    this.say(`schema applied (data loss accepted):\n${describeApplied(this.io, plan.destructive).trimEnd()}`);
    await this.rememberSchema(true);
    return "applied";
  }

  private async confirm(plan: Parameters<typeof describeRefusal>[1]): Promise<boolean> {
    if (!this.io.interactive) return false;
    this.io.stdout(
      describeRefusal(this.io, plan, "answer y to apply it now").replace("NOT applied:", "needs confirmation:"),
    );
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((resolve) => rl.question("Apply it? (y/N) ", resolve));
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
  }

  /** Regenerates the client's `.d.ts` from the running app's OpenAPI document. */
  private async writeClientTypes(app: AppProcess): Promise<void> {
    const target = this.config.clientTypes;
    // An app already replaced leaves the types to its successor.
    if (!target || this.current !== app) return;
    try {
      if (await writeClientTypes(app.port, target))
        this.say(`client types written to ${relative(this.config.dir, target)}`);
    } catch (error) {
      if (this.current !== app) return; // stopped meanwhile by a newer restart
      this.io.stderr(
        `could not regenerate the client types: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }

  /**
   * Whether the session is closing, asked when an app process ended on its own: Ctrl+C reaches
   * the whole process group, so the app may end a moment before this process handles the same
   * signal and closes the session. Such an end is not reported.
   */
  private async closingAfterSignal(): Promise<boolean> {
    if (!this.closing) await new Promise((resolve) => setTimeout(resolve, SIGNAL_GRACE_MS));
    return this.closing;
  }

  async close(): Promise<void> {
    // First: an app exiting from the same signal is not reported, and no new runner is spawned.
    this.closing = true;
    await this.queue.catch(() => {});
    await this.types;
    this.reserve?.discard();
    await Promise.all([this.current?.stop(), this.proxy.close(), this.connection.close()]);
  }
}
