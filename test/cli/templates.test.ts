/**
 * The templates are code: every combination `covara create` can write is typechecked with tsc
 * against this repository's sources, under the project's own tsconfig.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { createTablesSql } from "../../src/db";
import { createLinkedProject, repoRoot } from "./helpers/project";

const root = mkdtempSync(join(tmpdir(), "covara-templates-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Type errors in the project's own files, under its tsconfig. Only those files are asked for
 * diagnostics: covara's sources (reached through `paths`) are checked by the repository's own
 * typecheck, and published projects see its declarations instead.
 */
function typecheck(dirs: string[], types?: string[]): string {
  const first = dirs[0] ?? "";
  const configPath = join(first, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, first);
  const rootNames = dirs.flatMap(
    (dir) =>
      ts.parseJsonConfigFileContent(ts.readConfigFile(join(dir, "tsconfig.json"), ts.sys.readFile).config, ts.sys, dir)
        .fileNames,
  );
  const program = ts.createProgram({ rootNames, options: { ...parsed.options, ...(types ? { types } : {}) } });
  const own = program
    .getSourceFiles()
    .filter((file) => dirs.some((dir) => file.fileName.startsWith(dir)) && !file.fileName.includes("node_modules"));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...own.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/** Where @cloudflare/workers-types can be found (it is not a dependency of covara itself). */
const workersTypes = [
  join(repoRoot, "node_modules/@cloudflare/workers-types"),
  "/tmp/covara-cli-tools/node_modules/@cloudflare/workers-types",
].find((dir) => existsSync(join(dir, "index.d.ts")));

describe("templates typecheck", () => {
  it("node templates (sqlite, postgres, react)", async () => {
    const variants: [string, string[]][] = [
      ["node-sqlite", []],
      ["node-postgres", ["--db", "postgres"]],
      ["node-react", ["--frontend", "react"]],
    ];
    for (const [name, flags] of variants) await createLinkedProject(join(root, name), flags);
    expect(typecheck(variants.map(([name]) => join(root, name)))).toBe("");
  }, 180_000);

  it.skipIf(!workersTypes)(
    "cloudflare (with @cloudflare/workers-types)",
    async () => {
      const dir = join(root, "cloudflare");
      await createLinkedProject(dir, ["--template", "cloudflare"]);
      expect(typecheck([dir], [workersTypes ?? ""])).toBe("");
    },
    180_000,
  );
  if (!workersTypes)
    console.warn("templates.test: skipping the cloudflare typecheck: @cloudflare/workers-types is not installed");

  it("the cloudflare template's first D1 migration creates the table its schema declares", async () => {
    const { todos } = await import("../../templates/cloudflare/src/schema");
    const migration = readFileSync(join(repoRoot, "templates/cloudflare/migrations/0000_init.sql"), "utf8");
    const normalise = (sql: string) =>
      sql.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim().toLowerCase();
    const expected = createTablesSql([todos], "sqlite").join(";\n");
    expect(normalise(migration)).toContain(normalise(expected).replace(/;$/, ""));
  });
});
