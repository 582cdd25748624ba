/** covara's own package: its root folder (for templates/) and its package.json (version, ranges). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface OwnPackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

let cached: { root: string; pkg: OwnPackageJson } | undefined;

/** Walks up from this file (src/cli or dist/cli) to the folder holding covara's package.json. */
function find(): { root: string; pkg: OwnPackageJson } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as Partial<OwnPackageJson>;
      if (pkg.name === "covara" && typeof pkg.version === "string") {
        cached = { root: dir, pkg: pkg as OwnPackageJson };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("covara: cannot find covara's package.json");
    dir = parent;
  }
}

export const covaraRoot = (): string => find().root;
export const covaraPackageJson = (): OwnPackageJson => find().pkg;
