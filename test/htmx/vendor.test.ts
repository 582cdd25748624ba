/**
 * The vendored htmx cannot drift: the committed module is exactly what scripts/vendor-htmx.mjs
 * generates from node_modules/htmx.org, and its integrity is the SHA-384 of its source.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { HTMX_INTEGRITY, HTMX_SOURCE, HTMX_VERSION } from "../../src/htmx/vendor/htmx-source";
// @ts-expect-error: a plain .mjs script without declarations.
import { VENDORED_PATH, vendoredModuleText } from "../../scripts/vendor-htmx.mjs";

const require = createRequire(import.meta.url);

describe("vendored htmx", () => {
  it("matches node_modules/htmx.org (regenerate with node scripts/vendor-htmx.mjs)", () => {
    expect(readFileSync(VENDORED_PATH, "utf8")).toBe(vendoredModuleText());
    expect(HTMX_VERSION).toBe(require("htmx.org/package.json").version);
    expect(HTMX_SOURCE).toBe(readFileSync(require.resolve("htmx.org/dist/htmx.min.js"), "utf8"));
  });

  it("is htmx 2 with an SRI sha384 of its exact bytes", () => {
    expect(HTMX_VERSION).toMatch(/^2\./);
    expect(HTMX_INTEGRITY).toBe(`sha384-${createHash("sha384").update(HTMX_SOURCE, "utf8").digest("base64")}`);
  });
});
