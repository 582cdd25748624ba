/**
 * Finds route files on disk: every `index.{ts,mts,js,mjs}` under the routes directory, by folder.
 * Node-only, loaded on demand (the rest of file routes stays free of `node:` modules).
 */

const INDEX_FILES = ["index.ts", "index.mts", "index.js", "index.mjs"];

/** A folder that holds a route (or schema) module. */
export interface FoundModule {
  /** The folder relative to the scanned directory, with `/` separators (`` for the root). */
  folder: string;
  /** The module's absolute file path. */
  file: string;
}

/** An absolute file path from a path (relative to the working directory) or a `file:` URL. */
export async function toDirectory(dir: string | URL): Promise<string> {
  const [{ fileURLToPath }, { resolve }] = await Promise.all([import("node:url"), import("node:path")]);
  return dir instanceof URL || dir.startsWith("file:") ? fileURLToPath(dir) : resolve(dir);
}

/** The `file:` URL to import a module by; `version` makes a fresh instance after an edit. */
export async function moduleUrl(file: string, version: number): Promise<string> {
  const { pathToFileURL } = await import("node:url");
  const url = pathToFileURL(file);
  if (version > 0) url.search = `?v=${version}`;
  return url.href;
}

/** Every folder of `dir` with an index module; none when `dir` does not exist. */
export async function findModules(dir: string): Promise<FoundModule[]> {
  const [{ readdir }, { join }] = await Promise.all([import("node:fs/promises"), import("node:path")]);
  const found: FoundModule[] = [];
  async function walk(folder: string): Promise<void> {
    let entries: { name: string; isDirectory(): boolean; isFile(): boolean }[];
    try {
      entries = await readdir(join(dir, folder), { withFileTypes: true });
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return;
      throw error;
    }
    const index = INDEX_FILES.find((name) => entries.some((entry) => entry.isFile() && entry.name === name));
    if (index) found.push({ folder, file: join(dir, folder, index) });
    for (const entry of entries) {
      // node_modules and dot folders are never routes.
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        await walk(folder === "" ? entry.name : `${folder}/${entry.name}`);
      }
    }
  }
  await walk("");
  return found;
}
