/**
 * Loading the project's TypeScript (covara.config.ts, the schema) with the project's own tsx: each
 * call is a fresh module graph, so an edited schema is read anew without restarting the CLI.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError } from "../output";
import { resolveEsm } from "./resolve-esm";

type TsImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>;

const loaders = new Map<string, TsImport>();

/** Imports `file` (absolute) with the tsx installed in `projectDir`. */
export async function importProjectModule(projectDir: string, file: string): Promise<Record<string, unknown>> {
  let tsImport = loaders.get(projectDir);
  if (!tsImport) {
    const api = await importFromProject<{ tsImport: TsImport }>(projectDir, "tsx/esm/api", "tsx");
    tsImport = api.tsImport;
    loaders.set(projectDir, tsImport);
  }
  return tsImport(pathToFileURL(file).href, pathToFileURL(join(projectDir, "package.json")).href);
}

interface TsxCjsApi {
  require: ((id: string, fromFile: string) => Record<string, unknown>) & { cache: NodeJS.Dict<unknown> };
}

/**
 * Reads a small TypeScript file (covara.config.ts) through tsx's require hooks, which run in this
 * thread: unlike its ESM hooks (a loader thread every later import of the process goes through),
 * they leave the imports that follow at plain Node's speed. The file is read anew at every call.
 * A file require cannot load (top-level await) goes through `importProjectModule`.
 */
export async function loadProjectFile(projectDir: string, file: string): Promise<Record<string, unknown>> {
  try {
    const { require: tsxRequire } = await importFromProject<TsxCjsApi>(projectDir, "tsx/cjs/api", "tsx");
    for (const key of Object.keys(tsxRequire.cache)) if (key.startsWith(file)) delete tsxRequire.cache[key];
    return tsxRequire(file, pathToFileURL(join(projectDir, "package.json")).href);
  } catch {
    return importProjectModule(projectDir, file);
  }
}

/** Imports a package as the project resolves it, or says which package to install. */
export async function importFromProject<T>(projectDir: string, specifier: string, packageName: string): Promise<T> {
  const resolved = resolveEsm(projectDir, specifier);
  if (!resolved || !existsSync(resolved)) {
    throw new CliError(
      `${packageName} is not installed in this project.`,
      `Run "npm install -D ${packageName}" (or your package manager's equivalent).`,
    );
  }
  return (await import(pathToFileURL(resolved).href)) as T;
}
