/** covara.config.ts: where the schema, app and client types live, and the database profiles. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "../output";
import { loadProjectFile } from "./load-ts";

export interface DatabaseProfile {
  url: string;
  authToken?: string;
}

export interface CovaraConfig {
  schema: string;
  app: string;
  clientTypes?: string;
  migrations?: string;
  /** The seed file `covara db seed` runs (default src/seed.ts). */
  seed?: string;
  db?: { default?: string; profiles?: Record<string, DatabaseProfile> };
}

/** A config with every path made absolute. */
export interface ProjectConfig {
  dir: string;
  schema: string;
  app: string;
  clientTypes: string | undefined;
  migrations: string;
  seed: string;
  profiles: Record<string, DatabaseProfile>;
  defaultProfile: string | undefined;
}

/** Loads `.env` into process.env (values already set win), as the app would see it. */
export function loadDotEnv(dir: string): void {
  const file = join(dir, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Reads covara.config.ts from `dir`. */
export async function loadProjectConfig(dir: string): Promise<ProjectConfig> {
  const file = join(dir, "covara.config.ts");
  if (!existsSync(file)) {
    throw new CliError(
      `no covara.config.ts in ${dir}.`,
      'Run this in a project made by "covara create", or add a covara.config.ts (see docs/cli.md).',
    );
  }
  const loaded = await loadProjectFile(dir, file);
  const config = (loaded.default ?? loaded) as Partial<CovaraConfig>;
  if (typeof config.schema !== "string" || typeof config.app !== "string") {
    throw new CliError('covara.config.ts must export default { schema: "src/schema.ts", app: "src/app.ts", ... }.');
  }
  return {
    dir,
    schema: resolve(dir, config.schema),
    app: resolve(dir, config.app),
    clientTypes: config.clientTypes === undefined ? undefined : resolve(dir, config.clientTypes),
    migrations: resolve(dir, config.migrations ?? "migrations"),
    seed: resolve(dir, config.seed ?? "src/seed.ts"),
    profiles: config.db?.profiles ?? {},
    defaultProfile: config.db?.default,
  };
}

/**
 * The database to use: `--profile`, else COVARA_DB_PROFILE, else DATABASE_URL, else the config's
 * default profile.
 */
export function resolveDatabase(
  config: ProjectConfig,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): DatabaseProfile & { name: string } {
  const named = flag ?? env.COVARA_DB_PROFILE;
  if (named !== undefined && named !== "") {
    const profile = config.profiles[named];
    if (!profile) {
      const known = Object.keys(config.profiles);
      throw new CliError(
        `unknown database profile "${named}".`,
        known.length
          ? `Profiles in covara.config.ts: ${known.join(", ")}.`
          : "covara.config.ts defines no db.profiles.",
      );
    }
    if (!profile.url)
      throw new CliError(
        `database profile "${named}" has no url.`,
        "Set the environment variable its url reads in covara.config.ts (in the shell or in .env).",
      );
    return { name: named, ...profile };
  }
  if (env.DATABASE_URL) return { name: "DATABASE_URL", url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN };
  const fallback = config.defaultProfile ?? Object.keys(config.profiles)[0];
  const profile = fallback === undefined ? undefined : config.profiles[fallback];
  if (!profile?.url) {
    throw new CliError(
      "no database to connect to: DATABASE_URL is not set and covara.config.ts has no default profile.",
      "Copy .env.example to .env and set DATABASE_URL, or add db.profiles to covara.config.ts.",
    );
  }
  return { name: fallback ?? "default", ...profile };
}
