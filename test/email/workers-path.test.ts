/**
 * `covara/email` must run on Workers: bundling its entry pulls in no `node:` module (the SMTP
 * adapter, which needs node:net and node:tls, lives behind `covara/email/smtp`).
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

async function importsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    platform: "neutral",
    format: "esm",
    packages: "external",
    metafile: true,
    logLevel: "silent",
  });
  return Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((imported) => imported.path));
}

describe("the Workers path", () => {
  it("covara/email bundles without any node: module", async () => {
    const imports = await importsOf("../../src/email/index.ts");
    expect(imports.filter((path) => path.startsWith("node:"))).toEqual([]);
  });

  it("covara/email/smtp is where node:net and node:tls come in", async () => {
    const imports = await importsOf("../../src/email/smtp/index.ts");
    expect(imports).toEqual(expect.arrayContaining(["node:net", "node:tls"]));
  });
});
