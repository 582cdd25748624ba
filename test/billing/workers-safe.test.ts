/**
 * covara/billing runs on Workers: bundled for a neutral platform, nothing it ships imports a
 * `node:` module, ioredis or a provider SDK; only Hono and @oslojs/encoding stay as imports.
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("covara/billing on Workers", () => {
  it("bundles with no node: modules, no Redis client and no provider SDK", async () => {
    const result = await build({
      entryPoints: [new URL("../../src/billing/index.ts", import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "neutral",
      write: false,
      metafile: true,
      packages: "external",
      logLevel: "silent",
    });
    const [output] = Object.values(result.metafile.outputs);
    const imports = new Set(output?.imports.map((entry) => entry.path));
    expect([...imports].sort()).toEqual(["@oslojs/encoding", "hono", "hono/http-exception"]);
    const inputs = Object.entries(output?.inputs ?? {})
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input);
    expect(inputs.filter((input) => /redis/.test(input))).toEqual([]);
  });
});
