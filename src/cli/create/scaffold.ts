/**
 * Writes a project from the layers under templates/: `shared`, then the runtime (`node` plus
 * `node-sqlite` or `node-postgres`, or `cloudflare`), then `react` for --frontend react; a later
 * layer's file replaces an earlier one's. A leading `_` in a name becomes `.` (npm drops dotfiles
 * such as .gitignore from published packages), and `__TOKEN__`s are filled in.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { covaraRoot } from "../package-root";
import type { CreateOptions, PackageManager } from "./options";
import { projectPackageJson } from "./package-json";

/** The template layers for these options, in the order they are applied. */
export function templateLayers(options: Pick<CreateOptions, "template" | "db" | "frontend">): string[] {
  if (options.template === "cloudflare") return ["shared", "cloudflare"];
  return ["shared", "node", `node-${options.db}`, ...(options.frontend === "react" ? ["react"] : [])];
}

/** How to run a package script / install with each package manager. */
export function packageManagerCommands(pm: PackageManager): { install: string; ciInstall: string; run: string } {
  switch (pm) {
    case "npm":
      return { install: "npm install", ciInstall: "npm install", run: "npm run" };
    case "pnpm":
      return { install: "pnpm install", ciInstall: "npx pnpm install", run: "pnpm" };
    case "yarn":
      return { install: "yarn", ciInstall: "npx yarn install", run: "yarn" };
    case "bun":
      return { install: "bun install", ciInstall: "npx bun install", run: "bun run" };
  }
}

function tokens(options: CreateOptions): Record<string, string> {
  const commands = packageManagerCommands(options.packageManager);
  const dbName = options.name.replace(/^@[^/]+\//, "").replace(/[^a-z0-9]+/g, "_");
  return {
    __APP_NAME__: options.name.replace(/^@[^/]+\//, ""),
    __DB_NAME__: dbName,
    __INSTALL__: commands.install,
    __CI_INSTALL__: commands.ciInstall,
    __RUN__: commands.run,
    __DEFAULT_DB_URL__:
      options.db === "postgres" ? `postgres://postgres:postgres@127.0.0.1:5432/${dbName}` : "file:./data.db",
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** `_github/workflows/ci.yml` → `.github/workflows/ci.yml`. */
export function outputPath(relativePath: string): string {
  return relativePath
    .split(/[\\/]/)
    .map((segment) => (segment.startsWith("_") ? `.${segment.slice(1)}` : segment))
    .join("/");
}

/** Writes every file of the project into `options.dir` and returns their paths, relative. */
export function scaffold(options: CreateOptions): string[] {
  const root = join(covaraRoot(), "templates");
  const files = new Map<string, string>();
  for (const layer of templateLayers(options)) {
    const layerDir = join(root, layer);
    for (const file of filesUnder(layerDir)) files.set(outputPath(relative(layerDir, file)), file);
  }
  const fill = tokens(options);
  const written: string[] = [];
  for (const [target, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    let text = readFileSync(source, "utf8");
    for (const [token, value] of Object.entries(fill)) text = text.replaceAll(token, value);
    const path = join(options.dir, target);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(target);
  }
  writeFileSync(join(options.dir, "package.json"), `${JSON.stringify(projectPackageJson(options), null, 2)}\n`);
  written.push("package.json");
  return written.sort();
}
