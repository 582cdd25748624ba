/**
 * What the Chromium suites share: Debian's Chromium (playwright-core cannot download one here),
 * launched with the flags this machine needs, and a React test app bundled with esbuild.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/** Says once per file why its browser tests skip. */
export function warnIfNoChromium(suite: string): void {
  if (!hasChromium)
    console.warn(`${suite} skipped: ${CHROMIUM} not found (apt-get install -y chromium; .ci/run does it)`);
}

/** One headless Chromium; without background networking, which this machine's closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Bundles a React test app (a .tsx entry) into one ES module for the browser. */
export async function bundleReactApp(entry: URL): Promise<string> {
  const bundle = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    jsx: "automatic",
    jsxImportSource: "react",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  return bundle.outputFiles[0]!.text;
}
