import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe("runCli", () => {
  it.each([["--version"], ["-v"]])("%s prints package.json's version", async (flag) => {
    expect(await run(flag)).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it.each([[[]], [["--help"]], [["-h"]], [["help"]]])("%j prints usage listing every command", async (argv) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Usage: covara <command>");
    for (const command of ["create", "generate", "dev", "db"])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(stdout).toContain("Exit codes: 0 ok, 1 error, 2 wrong usage");
    expect(stdout).toContain("--version");
  });

  it("fails clearly on an unknown command (exit 2)", async () => {
    const { code, stdout, stderr } = await run("deploy");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('unknown command "deploy"');
    expect(stderr).toContain("covara --help");
  });

  it("fails clearly on an unknown option", async () => {
    const { code, stderr } = await run("--frobnicate");
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option "--frobnicate"');
  });

  it.each([["create"], ["generate"], ["dev"], ["db"]])(
    "covara %s --help lists options and examples",
    async (command) => {
      const { code, stdout } = await run(command, "--help");
      expect(code).toBe(0);
      expect(stdout).toContain(`covara ${command}`);
      expect(stdout).toContain("Examples:");
    },
  );
});
