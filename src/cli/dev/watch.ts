/**
 * Watches the project's sources and reports batches of changed files. Each directory gets its own
 * non-recursive fs.watch: a directory watch sees files replaced by rename (editors and `sed -i`
 * save that way), which per-file watches lose. New subdirectories are picked up as they appear.
 */
import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";

const IGNORED = /(^|[\\/])(node_modules|\.git|dist|\.wrangler)([\\/]|$)|\.(db|db-journal|db-wal|db-shm|log)$|~$|\.swp$/;

/** Calls `onChange` with the absolute paths changed under `roots` (folders of `dir`), debounced. */
export function watchSources(
  dir: string,
  roots: string[],
  ignore: (file: string) => boolean,
  onChange: (files: string[]) => void,
  delayMs = 30,
): () => void {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers = new Map<string, FSWatcher>();

  const flush = () => {
    const files = [...pending];
    pending.clear();
    if (files.length > 0) onChange(files);
  };

  const watchDir = (folder: string) => {
    if (watchers.has(folder) || IGNORED.test(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => {
        if (!name) return;
        const file = join(folder, name.toString());
        if (IGNORED.test(file) || ignore(file)) return;
        if (isDirectory(file)) {
          watchTree(file);
          return;
        }
        pending.add(file);
        clearTimeout(timer);
        timer = setTimeout(flush, delayMs);
      });
    } catch {
      return; // gone already, or not a folder
    }
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(folder);
    });
    watchers.set(folder, watcher);
  };

  const watchTree = (folder: string) => {
    watchDir(folder);
    let entries: string[] = [];
    try {
      entries = readdirSync(folder);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry);
      if (!IGNORED.test(path) && isDirectory(path)) watchTree(path);
    }
  };

  for (const root of roots) {
    const folder = join(dir, root);
    // The project folder itself: only its own files (covara.config.ts), never node_modules.
    if (root === ".") watchDir(folder);
    else watchTree(folder);
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
