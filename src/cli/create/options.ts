/** What `covara create` builds: the validated choices, from flags, the environment or a prompt. */
import { basename, resolve } from "node:path";
import { CliError, UsageError } from "../output";

export const TEMPLATES = ["node", "cloudflare"] as const;
export const DATABASES = ["sqlite", "postgres"] as const;
export const FRONTENDS = ["none", "react"] as const;
export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;

export type Template = (typeof TEMPLATES)[number];
export type Database = (typeof DATABASES)[number];
export type Frontend = (typeof FRONTENDS)[number];
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export interface CreateOptions {
  /** Absolute path of the project folder. */
  dir: string;
  /** The npm package name (from the folder's name). */
  name: string;
  template: Template;
  db: Database;
  frontend: Frontend;
  packageManager: PackageManager;
  install: boolean;
  force: boolean;
  /** The version range (or file:/URL spec) of covara the project depends on. */
  covaraSpec: string;
}

/**
 * npm's rules for a new package name: lower case, at most 214 characters, URL-safe, not starting
 * with a dot or underscore; optionally scoped (@scope/name).
 */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  if (name.length > 214) return "the name is longer than 214 characters";
  if (name !== name.toLowerCase()) return "the name has upper-case letters";
  if (name !== name.trim()) return "the name has leading or trailing spaces";
  const parts = /^@([^/]+)\/([^/]+)$/.exec(name);
  for (const part of parts ? [parts[1] ?? "", parts[2] ?? ""] : [name]) {
    if (/^[._]/.test(part)) return "the name starts with a dot or an underscore";
    if (!/^[a-z0-9][a-z0-9._~-]*$/.test(part)) return "the name may use only a-z, 0-9, '-', '.', '_' and '~'";
  }
  if (["node_modules", "favicon.ico"].includes(name)) return `"${name}" is reserved`;
  return undefined;
}

/** Checks a name, throwing a usage error that says what to change. */
export function validateProjectName(name: string): string {
  const problem = projectNameProblem(name);
  if (problem)
    throw new CliError(
      `"${name}" is not a valid project name: ${problem}.`,
      "Use a lower-case folder name such as my-app.",
      2,
    );
  return name;
}

/** The package manager that ran us (`npm_config_user_agent` is "pnpm/9.1.0 npm/? node/v20..."). */
export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const tool = userAgent?.split(" ")[0]?.split("/")[0];
  return PACKAGE_MANAGERS.find((candidate) => candidate === tool) ?? "npm";
}

/** One of `allowed`, or a usage error naming them. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((candidate) => candidate === value);
  if (!found) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")} (got "${value}").`, "create");
  return found;
}

/** The project folder and its package name from the <dir> argument. */
export function projectTarget(dirArgument: string, cwd: string): { dir: string; name: string } {
  const dir = resolve(cwd, dirArgument);
  return { dir, name: validateProjectName(basename(dir)) };
}
