/**
 * Each `test/types/fixtures/*.fail.ts` must NOT compile: its first line names the TypeScript
 * error code and the start of the message it must fail with. The fixtures are excluded from the
 * main tsconfig; this test compiles them in one program with the project's compiler options.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const fixtures = resolve(import.meta.dirname, "fixtures");
const files = readdirSync(fixtures)
  .filter((name) => name.endsWith(".fail.ts"))
  .sort();

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, root).options;
}

let diagnostics: Map<string, ts.Diagnostic[]> | undefined;
function diagnosticsOf(file: string): ts.Diagnostic[] {
  if (!diagnostics) {
    const paths = files.map((name) => join(fixtures, name));
    const program = ts.createProgram(paths, compilerOptions());
    diagnostics = new Map(
      paths.map((path) => [path, [...ts.getPreEmitDiagnostics(program, program.getSourceFile(path))]]),
    );
  }
  return diagnostics.get(join(fixtures, file)) ?? [];
}

describe("fixtures that must fail to compile", () => {
  it("finds the fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of files) {
    it(file, { timeout: 120_000 }, () => {
      const expected = /^\/\/ expect-error TS(\d+): (.+)$/m.exec(readFileSync(join(fixtures, file), "utf8"));
      expect(expected, `${file} must start with "// expect-error TS<code>: <message>"`).not.toBeNull();
      const [, code, message] = expected!;
      const found = diagnosticsOf(file).map((d) => ({
        code: d.code,
        text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      }));
      expect(found.length, `${file} compiled without errors`).toBeGreaterThan(0);
      expect(
        found.some((d) => String(d.code) === code && d.text.includes(message!)),
        JSON.stringify(found, null, 2),
      ).toBe(true);
    });
  }
});
