/**
 * Finds the ESM file a bare specifier names, as seen from a project folder: walks up the
 * node_modules folders and follows the package's `exports` with the import conditions
 * (createRequire would pick the CommonJS build where a package ships both).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const CONDITIONS = ["import", "node", "module", "default"];

type ExportsValue = string | null | ExportsValue[] | { [key: string]: ExportsValue };

function pick(value: ExportsValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = pick(item);
      if (found) return found;
    }
    return undefined;
  }
  for (const [condition, target] of Object.entries(value)) {
    if (CONDITIONS.includes(condition)) {
      const found = pick(target);
      if (found) return found;
    }
  }
  return undefined;
}

/** The absolute path `specifier` resolves to from `fromDir`, or undefined when not installed. */
export function resolveEsm(fromDir: string, specifier: string): string | undefined {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : ".";
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const packageDir = join(dir, "node_modules", name);
    const manifest = join(packageDir, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8")) as {
        exports?: ExportsValue;
        module?: string;
        main?: string;
      };
      let target: string | undefined;
      if (pkg.exports !== undefined) {
        const exportsMap = pkg.exports;
        const isSubpathMap =
          typeof exportsMap === "object" &&
          exportsMap !== null &&
          !Array.isArray(exportsMap) &&
          Object.keys(exportsMap).some((key) => key.startsWith("."));
        target = isSubpathMap
          ? pick((exportsMap as Record<string, ExportsValue>)[subpath])
          : subpath === "."
            ? pick(exportsMap)
            : undefined;
      } else {
        target = subpath === "." ? (pkg.module ?? pkg.main ?? "index.js") : subpath;
      }
      return target ? join(packageDir, target) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
